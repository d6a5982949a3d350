/* The only list of commands, in the order `mxdiag --help` shows them. */
#include "config.h"

#include <stddef.h>

#include "command.h"

extern const struct command cmd_check;
extern const struct command cmd_explain;
extern const struct command cmd_inbound;
extern const struct command cmd_port25;
extern const struct command cmd_preflight;
extern const struct command cmd_relay;
extern const struct command cmd_smarthost;
extern const struct command cmd_spf;

const struct command *const commands[] = {
	&cmd_check,
	&cmd_spf,
	&cmd_port25,
	&cmd_smarthost,
	&cmd_inbound,
	&cmd_relay,
	&cmd_explain,
	&cmd_preflight,
	NULL,
};
