/* workloads/guest/start.S — the entry point.  The host sets RSP (16-byte
 * aligned) and nothing else; _start calls the workload and halts.  Each phase
 * of a run enters here again with a fresh stack. */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	call wl_main
1:	hlt
	jmp 1b
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
