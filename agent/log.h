/* SPDX-License-Identifier: MIT */
/*
 * agent/log.h - leveled logging with a level per module. Lines go to
 * port_log_write(). Messages above CONFIG_LOG_LEVEL are compiled out.
 */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

enum log_module { LOGM_MAIN, LOGM_CONFIG, LOGM_ASSOC, LOGM_PATHS, LOGM_SAMPLER,
		  LOGM_CMD, LOGM_OUTBOX, LOGM_N };

/* Run-time level for every module / one module. */
void log_set_level(int level);
void log_set_module_level(enum log_module m, int level);
int log_level_of(enum log_module m);

void log_msg(enum log_module m, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *log_level_name(int level);

#define LOG(m, lvl, ...)                                              \
	do {                                                          \
		if ((lvl) <= CONFIG_LOG_LEVEL && (lvl) <= log_level_of(m)) \
			log_msg((m), (lvl), __VA_ARGS__);             \
	} while (0)

#endif
