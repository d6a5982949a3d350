/* What kind of address an IP is: public, private, loopback, documentation, ... */
#ifndef MXD_NETADDR_H
#define MXD_NETADDR_H

/* NULL for a globally routable unicast address, else the name of the special range it is in
 * ("private (RFC 1918)", "loopback", ...); static text. Also NULL when ip is not an address. */
const char *netaddr_special_range(const char *ip);

#endif
