/*
 * cli/table.c — results as an aligned table, CSV (RFC 4180 quoting) or a JSON
 * array of objects.  Numbers stay numbers in JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum cell_kind { CELL_STR, CELL_NUM, CELL_NULL };

struct cell {
	enum cell_kind kind;
	char *text; /* as shown in table and CSV */
	char *json; /* as written in JSON (numbers), NULL for strings */
};

struct cli_table {
	char **cols;
	unsigned ncols;
	struct cell *cells;
	size_t ncells, cap;
	bool row_open;
};

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort(); /* out of memory in the CLI: nothing sensible to do */
	return d;
}

struct cli_table *cli_table_new(void)
{
	struct cli_table *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	return t;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	for (size_t i = 0; i < t->ncells; i++) {
		free(t->cells[i].text);
		free(t->cells[i].json);
	}
	free(t->cols);
	free(t->cells);
	free(t);
}

void cli_table_column(struct cli_table *t, const char *name)
{
	char **c = realloc(t->cols, (t->ncols + 1) * sizeof(*c));
	if (!c)
		abort();
	t->cols = c;
	t->cols[t->ncols++] = xstrdup(name);
}

static void push(struct cli_table *t, enum cell_kind kind, const char *text, const char *json)
{
	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct cell *c = realloc(t->cells, cap * sizeof(*c));
		if (!c)
			abort();
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->ncells].kind = kind;
	t->cells[t->ncells].text = xstrdup(text);
	t->cells[t->ncells].json = json ? xstrdup(json) : NULL;
	t->ncells++;
}

void cli_table_str(struct cli_table *t, const char *s)
{
	push(t, CELL_STR, s, NULL);
}

void cli_table_u64(struct cli_table *t, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	push(t, CELL_NUM, b, b);
}

void cli_table_i64(struct cli_table *t, int64_t v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", (long long)v);
	push(t, CELL_NUM, b, b);
}

void cli_table_double(struct cli_table *t, double v, int precision)
{
	char b[64], j[64];
	if (!isfinite(v)) {
		push(t, CELL_NULL, "-", "null");
		return;
	}
	snprintf(b, sizeof(b), "%.*f", precision, v);
	snprintf(j, sizeof(j), "%.17g", v);
	if (!strpbrk(j, ".eE"))
		strcat(j, ".0"); /* stays a real for JSON readers that type numbers */
	push(t, CELL_NUM, b, j);
}

void cli_table_null(struct cli_table *t)
{
	push(t, CELL_NULL, "-", "null");
}

void cli_table_end_row(struct cli_table *t)
{
	/* Pad a short row so every row has ncols cells. */
	while (t->ncols && t->ncells % t->ncols)
		cli_table_null(t);
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void cli_table_print(const struct cli_table *t, FILE *out, enum cli_format fmt)
{
	size_t nrows = t->ncols ? t->ncells / t->ncols : 0;

	if (fmt == CLI_FMT_JSON) {
		fputs("[", out);
		for (size_t r = 0; r < nrows; r++) {
			fputs(r ? ",\n  {" : "\n  {", out);
			for (unsigned c = 0; c < t->ncols; c++) {
				const struct cell *cell = &t->cells[r * t->ncols + c];
				if (c)
					fputs(", ", out);
				json_string(out, t->cols[c]);
				fputs(": ", out);
				if (cell->kind == CELL_STR)
					json_string(out, cell->text);
				else
					fputs(cell->json, out);
			}
			fputs("}", out);
		}
		fputs(nrows ? "\n]\n" : "]\n", out);
		return;
	}
	if (fmt == CLI_FMT_CSV) {
		for (unsigned c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, t->cols[c]);
		}
		fputc('\n', out);
		for (size_t r = 0; r < nrows; r++) {
			for (unsigned c = 0; c < t->ncols; c++) {
				const struct cell *cell = &t->cells[r * t->ncols + c];
				if (c)
					fputc(',', out);
				csv_field(out, cell->kind == CELL_NULL ? "" : cell->text);
			}
			fputc('\n', out);
		}
		return;
	}
	/* Aligned table: strings left-aligned, numbers right-aligned. */
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	if (!w)
		abort();
	for (unsigned c = 0; c < t->ncols; c++)
		w[c] = strlen(t->cols[c]);
	for (size_t i = 0; i < t->ncells; i++) {
		size_t l = strlen(t->cells[i].text);
		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (unsigned c = 0; c < t->ncols; c++)
		fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < t->ncols ? (int)w[c] : 0, t->cols[c]);
	fputc('\n', out);
	for (size_t r = 0; r < nrows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			const struct cell *cell = &t->cells[r * t->ncols + c];
			if (cell->kind == CELL_STR)
				fprintf(out, "%s%-*s", c ? "  " : "",
				        c + 1 < t->ncols ? (int)w[c] : 0, cell->text);
			else
				fprintf(out, "%s%*s", c ? "  " : "", (int)w[c], cell->text);
		}
		fputc('\n', out);
	}
	free(w);
}
