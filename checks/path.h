/*
 * The delivery path judged as a whole (issue 14), once every diagnosis of a run has
 * ended: outbound, directly (port 25 open, from --ip) or through the best relay that took
 * an outside recipient (the relays fact), and the addresses receivers then see; inbound,
 * where senders' mail lands. It writes the answer in two lines first (report_answer, and
 * JSON "verdict", docs/json-schema.md) and judges again, as INFO, the findings that
 * relaying makes moot: the server's own PTR and SPF verdict, its HELO name, port 25.
 */
#ifndef MXD_PATH_H
#define MXD_PATH_H

struct check_facts;
struct check_inputs;
struct report;

void path_judge(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in);

/*
 * inbound or relay run alone, with the port25 probe beside it only as its vantage (so
 * that a block or an interceptor is not read as the server's answer): port25's verdicts
 * on the line stay as INFO evidence when the line is not open (the UNKNOWN of inbound or
 * relay says what they mean), and its findings about an open line go, so that on an open
 * line the command says what it said before. `mxdiag port25` judges the line itself.
 */
void path_judge_vantage(struct report *rep);

/* check: the same two lines from DNS alone (what receivers see of --ip; where DNS sends
 * mail for the domain), when no SMTP probe ran. */
void path_answer_dns(struct report *rep, const struct check_inputs *in);

#endif
