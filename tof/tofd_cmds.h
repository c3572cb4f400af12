/* tofd's operator commands besides replay and run:
 *   tofd --check-config FILE   validate a config and what it points to
 *   tofd health [...]          ask a running tofd's API whether it is up
 *   tofd reload [PID]          make a running tofd reload its config
 * Each returns tofd's exit code (see tofd.c). */
#ifndef TOFD_CMDS_H
#define TOFD_CMDS_H

#define TOFD_EXIT_OK 0
#define TOFD_EXIT_FAIL 1  /* I/O error; unhealthy; no tofd to signal */
#define TOFD_EXIT_USAGE 2 /* bad usage or a bad config */

int tofd_cmd_check_config(int argc, char **argv);
int tofd_cmd_health(int argc, char **argv);
int tofd_cmd_reload(int argc, char **argv);

#endif
