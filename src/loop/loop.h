/* The one poll() event loop: watched descriptors and one-shot timers. Drives DNS and SMTP. */
#ifndef MXD_LOOP_H
#define MXD_LOOP_H

#include <stdint.h>

struct loop;
struct loop_task;
struct loop_timer;

/* revents are poll() bits (POLLIN, POLLOUT, POLLERR, POLLHUP). */
typedef void loop_fd_cb(int fd, short revents, void *arg);
typedef void loop_timer_cb(void *arg);

/* Returns a new loop; caller frees with loop_free(). */
struct loop *loop_new(void);
void loop_free(struct loop *loop);

/*
 * Watch fd for events (POLLIN and/or POLLOUT); calling again changes the events and callback.
 * events == 0 stops watching. Returns 0 or MXD_ELIMIT when too many descriptors are watched.
 */
int loop_watch(struct loop *loop, int fd, short events, loop_fd_cb *cb, void *arg);
void loop_unwatch(struct loop *loop, int fd);

/* One-shot timer after ms milliseconds (0 = next turn). The handle is owned by the loop and
 * valid until the callback runs or loop_timer_cancel() is called. */
struct loop_timer *loop_timer_add(struct loop *loop, int64_t ms, loop_timer_cb *cb, void *arg);
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);

/* Monotonic clock in milliseconds. */
int64_t loop_now_ms(void);

/*
 * Tasks: the work of one job among many on the loop (a domain of `check --batch`). While a
 * task is current, every timer added and every descriptor newly watched counts as its work,
 * and a callback of its work runs with it current again, so whatever that callback starts
 * counts too. When its last timer has run or been cancelled and its last descriptor is
 * unwatched, the loop calls idle(arg) from the loop (never from inside loop_timer_cancel or
 * loop_unwatch); idle may free the task. A task's idle callback runs at most once.
 */
typedef void loop_task_idle_fn(void *arg);
/* Returns a new task (caller frees with loop_task_free once it is idle or never entered). */
struct loop_task *loop_task_new(struct loop *loop, loop_task_idle_fn *idle, void *arg);
void loop_task_free(struct loop_task *t);
/* Make t current (NULL: none); returns the one that was, to give to loop_task_leave(). */
struct loop_task *loop_task_enter(struct loop *loop, struct loop_task *t);
/* Work of the current task that is neither a timer nor a descriptor (a query queued behind
 * others): counted until loop_task_release(). Returns the task (NULL when none is current). */
struct loop_task *loop_task_hold(struct loop *loop);
void loop_task_release(struct loop_task *t);
/* Make prev current again; t (left) is called idle soon when it started no work at all. */
void loop_task_leave(struct loop *loop, struct loop_task *prev);

/* Run until nothing is watched and no timer is pending, or loop_stop(). Returns 0. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

#endif
