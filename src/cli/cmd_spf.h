/* `mxdiag spf`: RFC 7208 check_host() on live DNS, one evaluation or a batch. */
#ifndef MXD_CMD_SPF_H
#define MXD_CMD_SPF_H

#include "command.h"

extern const struct command cmd_spf;

#endif
