/*
 * tests/emu/guest/guest.S — hand-written guest functions whose instruction
 * and access counts are known by hand (the tests state the counts).
 * Linked at 0xffffffff81000000 with guest.c.  Intel syntax.
 */
	.intel_syntax noprefix
	.text

/* Where called functions return to: the run ends here. */
	.globl guest_halt
	.type guest_halt, @function
guest_halt:
	hlt
	.size guest_halt, . - guest_halt

/* sum_n(n): 1 + 2 + ... + n.  Instructions: 1 + 3n + 1 (ret).
 * Memory: the ret's 8-byte load only. */
	.globl sum_n
	.type sum_n, @function
sum_n:
	xor eax, eax
1:	add rax, rdi
	dec rdi
	jnz 1b
	ret
	.size sum_n, . - sum_n

/* pc_probe(p): the data accesses of each instruction, for exact-PC checks.
 *   probe_load:  load  8 at p
 *   probe_rmw:   load  8 at p+8, store 8 at p+8
 *   probe_push:  store 8 at rsp-8
 *   probe_pop:   load  8 at rsp-8
 *   (ret)        load  8 at rsp */
	.globl pc_probe, probe_load, probe_rmw, probe_push, probe_pop, probe_ret
	.type pc_probe, @function
pc_probe:
probe_load:
	mov rax, [rdi]
probe_rmw:
	add [rdi + 8], rax
probe_push:
	push rax
probe_pop:
	pop rax
probe_ret:
	ret
	.size pc_probe, . - pc_probe

/* touch(p): one 8-byte load from p (the fault test's instruction). */
	.globl touch, touch_load
	.type touch, @function
touch:
	nop
touch_load:
	mov rax, [rdi]
	ret
	.size touch, . - touch

/* poke(p, v): one 8-byte store. */
	.globl poke
	.type poke, @function
poke:
	mov [rdi], rsi
	ret
	.size poke, . - poke

/* alias_copy(a, b, v): store v through a, return what b reads. */
	.globl alias_copy
	.type alias_copy, @function
alias_copy:
	mov [rdi], rdx
	mov rax, [rsi]
	ret
	.size alias_copy, . - alias_copy

/* cross_load(p): one 8-byte load, placed by the test across a page boundary. */
	.globl cross_load
	.type cross_load, @function
cross_load:
	mov rax, [rdi]
	ret
	.size cross_load, . - cross_load

/* rep_copy(dst, src, n): n bytes with one rep movsb: 3 instructions for
 * any n (hardware retires a rep string instruction once). */
	.globl rep_copy
	.type rep_copy, @function
rep_copy:
	mov rcx, rdx
	rep movsb
	ret
	.size rep_copy, . - rep_copy

/* rep_zero(dst, n): n quadwords zeroed with rep stosq: 4 instructions. */
	.globl rep_zero
	.type rep_zero, @function
rep_zero:
	mov rcx, rsi
	xor eax, eax
	rep stosq
	ret
	.size rep_zero, . - rep_zero

/* spin(): never returns (budget tests). */
	.globl spin
	.type spin, @function
spin:
	jmp spin
	.size spin, . - spin

/* bad_insn(): ud2 after two nops. */
	.globl bad_insn, bad_insn_ud2
	.type bad_insn, @function
bad_insn:
	nop
	nop
bad_insn_ud2:
	ud2
	.size bad_insn, . - bad_insn

/* straddle(): one basic block of 6 one-byte nops and a ret whose bytes span a
 * page boundary: 3 nops end page k, the rest begins page k+1.  Fetches: 2. */
	.balign 4096
	.skip 4093
	.globl straddle
	.type straddle, @function
straddle:
	nop
	nop
	nop
	nop
	nop
	nop
	ret
	.size straddle, . - straddle

/* A whole page of code used by the NX test: the caller maps it NX. */
	.balign 4096
	.globl nx_page
	.type nx_page, @function
nx_page:
	nop
	ret
	.size nx_page, . - nx_page
	.balign 4096
	.section .note.GNU-stack, "", @progbits
