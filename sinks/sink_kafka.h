/* What the Kafka sink shares with other librdkafka clients of the daemon (the share consumer,
 * daemon/share.c): the same property pass-through, so both reach the brokers the same way. */
#ifndef CW_SINK_KAFKA_H
#define CW_SINK_KAFKA_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Sets every property of the sink's "rdkafka" object on conf (borrowed), resolving "@file",
 * "${VAR}" and "@@" values as docs/delivery.md says; with want, only the properties it accepts.
 * 0, or -1 with errstr naming the sink and the property. */
int sink_kafka_conf_apply(rd_kafka_conf_t *conf, const char *sink, const json_t *rdkafka,
                          int (*want)(const char *prop), char *errstr, size_t errlen);
/* Sets one property the same way (value a JSON string, integer or boolean; "@file", "${VAR}",
 * "@@"). where names its owner in errstr, e.g. "share_rdkafka". 0, or -1 with errstr set. */
int sink_kafka_conf_set_json(rd_kafka_conf_t *conf, const char *where, const char *prop, const json_t *value,
                             char *errstr, size_t errlen);
/* librdkafka's syslog level for a line of its log as the cw_log level to write it at. Its errors
 * (connection refused...) are routine during an outage and error_cb reports them once more, so
 * they log as warnings. */
int sink_kafka_log_level(int level);

#endif
