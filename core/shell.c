/*
 * The console input state machine: the Ctrl-A focus hotkeys, routing bytes to
 * the focused guest, and the shell's line editor. Commands live in
 * core/shell_cmds.c.
 */
#include <core/shell.h>

#include <core/shell_cmds.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define CTRL_A 0x01
#define CTRL_C 0x03
#define BS 0x08
#define ESC 0x1b
#define DEL 0x7f

/* A CSI sequence longer than this is not a key: stop swallowing bytes. */
#define ESC_MAX 16

enum input_state {
	IN_NORMAL,
	IN_HOTKEY, /* after Ctrl-A */
	IN_ESC,	   /* after ESC */
	IN_CSI,	   /* after ESC [ : parameters until a final byte */
	IN_SS3	   /* after ESC O : one more byte */
};

static const char shell_prompt_text[] = "bulkhead> ";

void shell_write(struct shell *sh, const char *s, size_t n)
{
	if (n && sh->ops->write)
		sh->ops->write(sh->ops->ctx, s, n);
}

void shell_puts(struct shell *sh, const char *s)
{
	shell_write(sh, s, strlen(s));
}

void shell_printf(struct shell *sh, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(sh->out, sizeof(sh->out), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	/* A line longer than the buffer is cut, never overrun. */
	shell_write(sh, sh->out, MIN((size_t)n, sizeof(sh->out) - 1));
}

unsigned int shell_vm_count(struct shell *sh)
{
	if (!sh->ops->vm_count)
		return 0;
	return MIN(sh->ops->vm_count(sh->ops->ctx), (unsigned int)SHELL_MAX_VMS);
}

/* Names and states come from the hypervisor, but a control byte in one would
 * still garble the terminal; and a missing NUL must not run us off the end. */
static void sanitize(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

bool shell_vm_info(struct shell *sh, unsigned int vm, struct shell_vm_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!sh->ops->vm_info || vm >= shell_vm_count(sh) ||
	    !sh->ops->vm_info(sh->ops->ctx, vm, out))
		return false;
	sanitize(out->name, sizeof(out->name));
	sanitize(out->state, sizeof(out->state));
	if (out->ncpus > SHELL_MAX_VCPUS)
		out->ncpus = SHELL_MAX_VCPUS;
	return true;
}

void shell_init(struct shell *sh, const struct shell_ops *ops)
{
	memset(sh, 0, sizeof(*sh));
	sh->ops = ops;
	sh->focus = SHELL_FOCUS_SHELL;
	sh->state = IN_NORMAL;
}

bool shell_prompt_open(const struct shell *sh)
{
	return sh->prompt_open;
}

void shell_redisplay(struct shell *sh)
{
	shell_puts(sh, shell_prompt_text);
	shell_write(sh, sh->line, sh->len);
	sh->prompt_open = true;
}

/* Console messages start on a line of their own. */
static void shell_break_line(struct shell *sh)
{
	if (sh->prompt_open) {
		shell_puts(sh, "\n");
		sh->prompt_open = false;
	}
}

void shell_print_hotkeys(struct shell *sh)
{
	shell_puts(sh, "Hotkeys (Ctrl-A, then):\n"
		       "  0-9     type into guest 0-9\n"
		       "  s       type into the shell\n"
		       "  ?       this help\n"
		       "  Ctrl-A  send a Ctrl-A to the focused guest\n");
}

bool shell_focus(struct shell *sh, int target)
{
	shell_break_line(sh);
	sh->last_cr = false;
	if (target == SHELL_FOCUS_SHELL) {
		sh->focus = SHELL_FOCUS_SHELL;
		shell_puts(sh, "--- console: shell (Ctrl-A 0-9 for a guest) ---\n");
		shell_redisplay(sh);
		return true;
	}
	if (target < 0 || !shell_vm_info(sh, (unsigned int)target, &sh->vm)) {
		unsigned int n = shell_vm_count(sh);

		if (n)
			shell_printf(sh, "--- console: no guest %d (guests are 0-%u) ---\n", target,
				     n - 1);
		else
			shell_printf(sh, "--- console: no guest %d (there are no guests) ---\n",
				     target);
		if (sh->focus == SHELL_FOCUS_SHELL)
			shell_redisplay(sh);
		return false;
	}
	sh->focus = target;
	shell_printf(sh, "--- console: guest \"%s\" (Ctrl-A s for the shell) ---\n", sh->vm.name);
	return true;
}

/* The byte after Ctrl-A. */
static struct shell_route shell_hotkey(struct shell *sh, uint8_t byte)
{
	struct shell_route r = { SHELL_CONSUMED, 0, 0 };

	if (byte >= '0' && byte <= '9') {
		shell_focus(sh, byte - '0');
	} else if (byte == 's' || byte == 'S') {
		shell_focus(sh, SHELL_FOCUS_SHELL);
	} else if (byte == '?') {
		shell_break_line(sh);
		shell_print_hotkeys(sh);
		if (sh->focus == SHELL_FOCUS_SHELL)
			shell_redisplay(sh);
	} else if (byte == CTRL_A) {
		/* The shell has no use for a literal Ctrl-A. */
		if (sh->focus != SHELL_FOCUS_SHELL) {
			r.kind = SHELL_TO_GUEST;
			r.vm = (unsigned int)sh->focus;
			r.byte = CTRL_A;
		}
	} else {
		shell_break_line(sh);
		shell_puts(sh, "--- console: unknown hotkey (Ctrl-A ? for help) ---\n");
		if (sh->focus == SHELL_FOCUS_SHELL)
			shell_redisplay(sh);
	}
	return r;
}

static void shell_enter(struct shell *sh)
{
	shell_puts(sh, "\n");
	sh->prompt_open = false;
	if (sh->dropped) {
		shell_printf(sh, "line too long (%u characters, max %u), discarded\n",
			     sh->len + sh->dropped, SHELL_LINE_MAX);
	} else {
		sh->line[sh->len] = '\0';
		shell_execute(sh, sh->line);
	}
	sh->len = 0;
	sh->dropped = 0;
	if (sh->focus == SHELL_FOCUS_SHELL)
		shell_redisplay(sh);
}

static void shell_edit(struct shell *sh, uint8_t byte)
{
	bool after_cr = sh->last_cr;

	sh->last_cr = false;
	if (byte == ESC) {
		sh->state = IN_ESC;
		return;
	}
	if ((byte == '\n' && after_cr) ||
	    (byte < 0x20 && byte != '\r' && byte != '\n' && byte != BS && byte != CTRL_C) ||
	    byte > DEL)
		return; /* garbage, or the LF of a CR LF: no echo */
	/* The first key after foreign output (or at start-up) brings the
	 * prompt back, so what is echoed lands after it. */
	if (!sh->prompt_open)
		shell_redisplay(sh);

	switch (byte) {
	case '\r':
		sh->last_cr = true;
		shell_enter(sh);
		break;
	case '\n':
		shell_enter(sh);
		break;
	case BS:
	case DEL:
		/* Characters past the limit were never echoed: take them back
		 * silently first. */
		if (sh->dropped) {
			sh->dropped--;
		} else if (sh->len) {
			sh->len--;
			shell_puts(sh, "\b \b");
		}
		break;
	case CTRL_C:
		shell_puts(sh, "^C\n");
		sh->prompt_open = false;
		sh->len = 0;
		sh->dropped = 0;
		shell_redisplay(sh);
		break;
	default:
		if (sh->len < SHELL_LINE_MAX) {
			sh->line[sh->len++] = (char)byte;
			shell_write(sh, (const char *)&byte, 1);
		} else if (sh->dropped < UINT32_MAX) {
			sh->dropped++;
		}
		break;
	}
}

/* Arrow and function keys arrive as escape sequences; swallow them whole
 * rather than typing "[A" into the line. Returns true when byte was part of
 * one. */
static bool shell_escape(struct shell *sh, uint8_t byte)
{
	switch (sh->state) {
	case IN_ESC:
		sh->esc_len = 0;
		sh->state = byte == '[' ? IN_CSI : byte == 'O' ? IN_SS3 : IN_NORMAL;
		/* ESC x is Alt-x; ESC followed by a control byte was a lone
		 * Escape key and the control byte counts. */
		return byte >= 0x20 && byte <= 0x7e;
	case IN_CSI:
		if (byte >= 0x20 && byte <= 0x3f && ++sh->esc_len < ESC_MAX)
			return true;
		sh->state = IN_NORMAL;
		/* A final byte ends the sequence; anything else is ordinary
		 * input that arrived in the middle. */
		return byte >= 0x20 && byte <= 0x7e;
	case IN_SS3:
		sh->state = IN_NORMAL;
		return byte >= 0x20 && byte <= 0x7e;
	default:
		return false;
	}
}

struct shell_route shell_input(struct shell *sh, uint8_t byte)
{
	struct shell_route r = { SHELL_CONSUMED, 0, 0 };

	if (sh->state == IN_HOTKEY) {
		sh->state = IN_NORMAL;
		return shell_hotkey(sh, byte);
	}
	if (byte == CTRL_A) {
		/* The hotkey wins even inside an escape sequence. */
		sh->state = IN_HOTKEY;
		return r;
	}
	if (sh->focus != SHELL_FOCUS_SHELL) {
		r.kind = SHELL_TO_GUEST;
		r.vm = (unsigned int)sh->focus;
		r.byte = byte;
		return r;
	}
	if (!shell_escape(sh, byte))
		shell_edit(sh, byte);
	return r;
}
