/**
 * The one configuration schema: every key, its type, default, meaning and the commands that read it.
 * Flags (--kafka-brokers), environment (TRIBUTARY_KAFKA_BROKERS) and config-file keys
 * ("kafka.brokers" or nested {"kafka":{"brokers":...}}) are all derived from these names; each
 * command's --help and accepted flags come from `readBy`.
 */
import {
  type BoolOption,
  type EnumOption,
  type IntOption,
  type ListOption,
  type Option,
  type StringOption,
  bool,
  commandNames,
  int,
  list,
  oneOf,
  str,
  use,
} from './option-types.js';
import { retentionSeconds } from './retention.js';

export {
  type BoolOption,
  type CommandName,
  type EnumOption,
  type IntOption,
  type ListOption,
  type Option,
  type OptionGroup,
  type StringOption,
  type Use,
  commandNames,
  isSecretOption,
  optionGroups,
} from './option-types.js';

const PORT_MAX = 65535;

// Who reads what. `dev` reads every key its children (receiver, writer) read: it passes them on.
const GENERAL = use('general', commandNames);
const LOCAL_STATE = use('local stack', ['dev', 'kafka', 'clickhouse']);
// The operator commands (doctor, status, dlq) connect to what the pipeline uses.
const OPS = ['doctor', 'status', 'dlq'] as const;
const KAFKA_CLIENT = use('connection', ['dev', 'receiver', 'writer', 'replay', ...OPS]);
const TOPICS = use('connection', ['dev', 'receiver', 'writer', 'replay', 'kafka', ...OPS]);
const LOCAL_KAFKA = use('local stack', ['dev', 'kafka']);
const CLICKHOUSE_CLIENT = use('connection', ['dev', 'writer', 'replay', 'migrate', ...OPS]);
const CLICKHOUSE_AUTH = use('connection', ['dev', 'writer', 'replay', 'migrate', 'clickhouse', ...OPS]);
const LOCAL_CLICKHOUSE = use('local stack', ['dev', 'clickhouse']);
const DEDUP_WINDOW = use('behaviour', ['dev', 'migrate', 'clickhouse', 'doctor']);
// Who inserts rows through the delivery core: the writer, replay and the DLQ re-drive.
const INSERTS = use('behaviour', ['dev', 'writer', 'replay', 'dlq']);
const COORDINATION = use('behaviour', ['dev', 'writer', 'replay', 'migrate', 'doctor', 'dlq']);
// The body encoding is also what doctor's delivery self-test sends.
const COMPRESSION = use('behaviour', ['dev', 'writer', 'replay', 'dlq', 'doctor']);
const SCHEMA = use('behaviour', ['dev', 'migrate']);
const MIGRATE = use('behaviour', ['migrate']);
const RECEIVER = use('behaviour', ['dev', 'receiver']);
const RECEIVER_LIMITS = use('behaviour', ['dev', 'receiver', 'doctor']);
const DOCTOR = use('behaviour', ['doctor']);
const STATUS = use('behaviour', ['status']);
const JSON_OUTPUT = use('behaviour', [...OPS]);
const DLQ = use('behaviour', ['dlq']);
const WRITER = use('behaviour', ['dev', 'writer']);
const BATCHING = use('behaviour', ['dev', 'writer', 'replay', 'dlq']);
const REPLAY = use('behaviour', ['replay']);
const TELEMETRY_EXPORT = use('connection', ['dev', 'receiver', 'writer']);
const TELEMETRY = use('behaviour', ['dev', 'receiver', 'writer']);

/** A retention text (`30d`, `720h`, `1h30m`, `0`), refused at load time when it is not a duration. */
const retention = (doc: string): StringOption => ({
  ...str('', doc, SCHEMA),
  check: (value) => {
    if (value.trim() === '') return undefined;
    try {
      retentionSeconds(value);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  },
});

export const configSchema = {
  // general
  stateDir: str(
    '.tributary',
    'Directory for local state (Kafka and ClickHouse data of `dev`, logs).',
    LOCAL_STATE,
  ),
  logLevel: oneOf(
    'info',
    ['debug', 'info', 'warn', 'error'] as const,
    'Minimum level of the log lines.',
    GENERAL,
  ),
  logFormat: oneOf(
    'auto',
    ['auto', 'json', 'pretty'] as const,
    'How log events print on stderr: json (one JSON object per line), pretty (one readable coloured line per event, component first) or auto (pretty on a terminal unless NODE_ENV=production, else json).',
    GENERAL,
  ),

  // Kafka
  'kafka.brokers': list(
    ['127.0.0.1:9092'],
    'Kafka bootstrap servers. `dev` starts a local broker unless this is set.',
    KAFKA_CLIENT,
  ),
  'kafka.clientId': str('tributary', 'Kafka client id.', KAFKA_CLIENT),
  'kafka.port': int(
    9092,
    'Port of the first local broker (`tributary kafka`, `dev`); brokers use consecutive ports.',
    LOCAL_KAFKA,
    1,
    PORT_MAX,
  ),
  'kafka.brokerCount': int(1, 'Number of local brokers (`tributary kafka`, `dev`).', LOCAL_KAFKA, 1, 5),
  'kafka.partitions': int(
    3,
    'Partitions per topic when tributary creates the topics.',
    LOCAL_KAFKA,
    1,
    10000,
  ),
  'kafka.replicationFactor': int(
    1,
    'Replication factor of topics tributary creates (at most the broker count).',
    LOCAL_KAFKA,
    1,
    5,
  ),
  'kafka.tls': bool(false, 'Connect to Kafka over TLS (SSL or SASL_SSL listeners).', KAFKA_CLIENT),
  'kafka.tlsCaFile': str(
    '',
    "PEM CA bundle that signed the brokers' certificates (default: the system CAs).",
    KAFKA_CLIENT,
  ),
  'kafka.tlsCertFile': str(
    '',
    'PEM client certificate for brokers that require one (mutual TLS).',
    KAFKA_CLIENT,
  ),
  'kafka.tlsKeyFile': str('', 'PEM private key of kafka.tlsCertFile.', KAFKA_CLIENT),
  'kafka.saslMechanism': oneOf(
    'none',
    ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const,
    'SASL authentication to Kafka (with kafka.saslUsername / kafka.saslPassword).',
    KAFKA_CLIENT,
  ),
  'kafka.saslUsername': str('', 'SASL user name.', KAFKA_CLIENT),
  'kafka.saslPassword': str(
    '',
    'SASL password: only from the environment (TRIBUTARY_KAFKA_SASL_PASSWORD) or a file (TRIBUTARY_KAFKA_SASL_PASSWORD_FILE).',
    KAFKA_CLIENT,
    true,
  ),
  'kafka.version': str(
    '4.1.1',
    'Apache Kafka version resolved from Maven Central for the local broker.',
    LOCAL_KAFKA,
  ),

  // topics
  'topics.prefix': str('', 'Prefix put before every topic name, e.g. a region (`eu1.`).', TOPICS),
  'topics.traces': str(
    'otlp_spans',
    "Topic for traces (the Collector's default; set `otlp_traces` to read Rotel's). Signals may share one topic: records are routed by their `otelcol.signal` header.",
    TOPICS,
  ),
  'topics.metrics': str('otlp_metrics', 'Topic for metrics (may be shared, as topics.traces).', TOPICS),
  'topics.logs': str(
    'otlp_logs',
    'Topic for logs and session replays (may be shared, as topics.traces).',
    TOPICS,
  ),

  // ClickHouse
  'clickhouse.url': str(
    'http://127.0.0.1:8123',
    'ClickHouse HTTP(S) endpoint. `dev` starts the local server unless this is set.',
    CLICKHOUSE_CLIENT,
  ),
  'clickhouse.user': str('default', 'ClickHouse user.', CLICKHOUSE_AUTH),
  'clickhouse.password': str(
    '',
    'ClickHouse password: only from the environment (TRIBUTARY_CLICKHOUSE_PASSWORD) or a file (TRIBUTARY_CLICKHOUSE_PASSWORD_FILE).',
    CLICKHOUSE_AUTH,
    true,
  ),
  'clickhouse.tlsCaFile': str(
    '',
    'PEM CA bundle for an https:// ClickHouse URL signed by a private CA.',
    CLICKHOUSE_CLIENT,
  ),
  'clickhouse.tlsCertFile': str('', 'PEM client certificate for ClickHouse (mutual TLS).', CLICKHOUSE_CLIENT),
  'clickhouse.tlsKeyFile': str('', 'PEM private key of clickhouse.tlsCertFile.', CLICKHOUSE_CLIENT),
  'clickhouse.database': str('default', 'Database holding the tables.', CLICKHOUSE_CLIENT),
  'clickhouse.port': int(
    8123,
    'Port of the local ClickHouse server (`tributary clickhouse`, `dev`; 0 = any free port).',
    LOCAL_CLICKHOUSE,
    0,
    PORT_MAX,
  ),
  'clickhouse.host': str(
    '127.0.0.1',
    'Listen address of the local ClickHouse server; one that is not loopback needs clickhouse.password.',
    LOCAL_CLICKHOUSE,
  ),
  'clickhouse.allowedOrigins': list(
    [],
    'Web origins (e.g. http://localhost:8080) whose pages may query the local ClickHouse server; other Origins, and `null`, are refused.',
    LOCAL_CLICKHOUSE,
  ),
  'clickhouse.allowedHosts': list(
    [],
    'Host names clients may use for the local ClickHouse server besides its listen address (and loopback names); guards against DNS rebinding.',
    LOCAL_CLICKHOUSE,
  ),
  'clickhouse.dataDir': str(
    '',
    'Data directory of the local ClickHouse server (default: <stateDir>/clickhouse).',
    LOCAL_CLICKHOUSE,
  ),
  'clickhouse.dedupWindow': int(
    10000,
    'non_replicated_deduplication_window the local server and migrations set: inserts remembered for dedup.',
    DEDUP_WINDOW,
    1,
    10_000_000,
  ),
  'clickhouse.compression': oneOf(
    'auto',
    ['auto', 'none', 'gzip', 'zstd'] as const,
    'How insert bodies travel to ClickHouse: compressed with zstd or gzip (the request Content-Encoding, which every ClickHouse server decompresses), or none; auto = zstd unless the server is on a loopback address.',
    COMPRESSION,
  ),
  'clickhouse.coordination': oneOf(
    'auto',
    ['auto', 'mergetree', 'keepermap'] as const,
    'Where writers agree on plans and done ranges: mergetree (tables on one server) or keepermap (KeeperMap tables in ClickHouse Keeper/ZooKeeper: required for replicated tables and ClickHouse Cloud); auto = keepermap when the tables are Replicated or Shared, else mergetree.',
    COORDINATION,
  ),

  // schema / migrate
  'schema.ttlDays': int(30, 'Retention of the tables in days (0 = no TTL).', SCHEMA, 0, 36500),
  'schema.logsTtl': retention(
    'Retention of otel_logs and its rollup (ClickStack LOGS_TTL): 30d, 720h, 90m, 1h30m, 3600s; empty = schema.ttlDays; 0 = no TTL.',
  ),
  'schema.tracesTtl': retention(
    'Retention of otel_traces, its trace-id table and rollup (as schema.logsTtl).',
  ),
  'schema.metricsTtl': retention('Retention of the five otel_metrics_* tables (as schema.logsTtl).'),
  'schema.sessionsTtl': retention('Retention of hyperdx_sessions (as schema.logsTtl).'),
  'schema.cluster': str('', 'ClickHouse cluster name for `ON CLUSTER` DDL (empty = single server).', SCHEMA),
  'schema.attributes': oneOf(
    'map',
    ['map', 'json'] as const,
    "Attribute columns of new otel_logs, otel_traces and hyperdx_sessions tables: map = Map(LowCardinality(String), String) as ClickStack creates them; json = JSON columns (with *AttributesKeys) as the Collector's clickhouseexporter creates them with `json: true`. Existing tables keep theirs; the writer follows each table's live layout.",
    SCHEMA,
  ),
  dryRun: bool(false, '`migrate` prints the changes it would make and makes none.', MIGRATE),

  // receiver
  'receiver.host': str('0.0.0.0', 'Listen address of the OTLP receivers.', RECEIVER),
  'receiver.httpPort': int(4318, 'OTLP/HTTP port.', RECEIVER, 0, PORT_MAX),
  'receiver.grpcPort': int(4317, 'OTLP/gRPC port.', RECEIVER, 0, PORT_MAX),
  'receiver.maxRecordBytes': int(
    1_000_000,
    'Largest Kafka record value; bigger requests are split.',
    RECEIVER_LIMITS,
    1024,
    100_000_000,
  ),
  'receiver.maxBodyBytes': int(
    64 * 1024 * 1024,
    'Largest request body after decompression (413 above).',
    RECEIVER,
    1024,
    1_073_741_824,
  ),
  'receiver.maxCompressedBodyBytes': int(
    16 * 1024 * 1024,
    'Largest request body as received (413 above).',
    RECEIVER,
    1024,
    1_073_741_824,
  ),
  'receiver.apiKeys': list(
    [],
    'Accepted API keys (`authorization: <key>` or `Bearer <key>`), only from the environment or a file (TRIBUTARY_RECEIVER_API_KEYS_FILE, one key per line). Empty = no auth.',
    RECEIVER,
    true,
  ),
  'receiver.rateLimitItemsPerSecond': int(
    0,
    'Items (spans, data points, log records) per second each API key may send; above it 429/RESOURCE_EXHAUSTED. Without auth one limit covers all clients. 0 = off.',
    RECEIVER,
    0,
    1_000_000_000,
  ),
  'receiver.rateLimitBurstItems': int(
    0,
    'Items a key may send at once above its rate (the bucket size); 0 = one second of rate, at least 10,000.',
    RECEIVER,
    0,
    1_000_000_000,
  ),
  'receiver.tlsCertFile': str(
    '',
    'PEM certificate chain: serve OTLP/HTTP and OTLP/gRPC over TLS (with receiver.tlsKeyFile).',
    RECEIVER,
  ),
  'receiver.tlsKeyFile': str('', 'PEM private key of receiver.tlsCertFile.', RECEIVER),
  'receiver.tlsClientCaFile': str(
    '',
    'PEM CA bundle: require client certificates signed by it (mutual TLS). Needs receiver.tlsCertFile.',
    RECEIVER,
  ),
  'receiver.corsOrigins': list(
    [],
    'Origins allowed by CORS (`*` for any). Empty = CORS off; `dev` allows any origin unless this is set.',
    RECEIVER,
  ),
  'receiver.healthPort': int(
    13133,
    'Health endpoint port (liveness /, readiness /ready).',
    RECEIVER,
    0,
    PORT_MAX,
  ),
  'receiver.metricsPort': int(
    9464,
    'Prometheus metrics port of the receiver (0 = off).',
    RECEIVER,
    0,
    PORT_MAX,
  ),
  'receiver.requestTimeoutMs': int(
    30_000,
    'Longest time to receive a whole OTLP/HTTP request; slower clients are disconnected (slow-body attacks).',
    RECEIVER,
    1_000,
    600_000,
  ),
  'receiver.produceTimeoutMs': int(
    10_000,
    'Longest wait for Kafka to acknowledge a request before answering retryable.',
    RECEIVER,
    100,
    600_000,
  ),
  'receiver.unreadyAfterMs': int(
    10_000,
    'How long Kafka must keep failing before readiness fails (short blips keep the receiver in the load balancer; one success makes it ready again).',
    RECEIVER,
    0,
    600_000,
  ),
  'receiver.maxInflightBytes': int(
    64 * 1024 * 1024,
    'Bytes of requests being produced at once; above it clients get 429/RESOURCE_EXHAUSTED.',
    RECEIVER,
    1024 * 1024,
    8 * 1_073_741_824,
  ),
  'receiver.maxAdmittedBytes': int(
    256 * 1024 * 1024,
    'Bytes of requests being received, decompressed, converted (JSON) and produced at once, process-wide; above it 429/RESOURCE_EXHAUSTED. Sizes the receiver memory (docs/operations.md).',
    RECEIVER,
    1024 * 1024,
    8 * 1_073_741_824,
  ),
  'receiver.rateLimitRequestsPerSecond': int(
    0,
    'Requests per second each API key may send (checked before the body is read); 0 = off.',
    RECEIVER,
    0,
    1_000_000_000,
  ),
  'receiver.rateLimitBytesPerSecond': int(
    0,
    'Body bytes (as received) per second each API key may send (checked before validation); 0 = off.',
    RECEIVER,
    0,
    1_000_000_000_000,
  ),
  'receiver.grpcMaxConcurrentStreams': int(
    100,
    'Concurrent OTLP/gRPC calls per connection.',
    RECEIVER,
    1,
    100_000,
  ),
  'receiver.grpcMaxReceiveMessageBytes': int(
    16 * 1024 * 1024,
    'Largest OTLP/gRPC request message (after gRPC decompression); larger ones are refused before they are buffered.',
    RECEIVER,
    1024,
    1_073_741_824,
  ),
  'receiver.grpcFlowControlWindowBytes': int(
    4 * 1024 * 1024,
    "HTTP/2 receive window of each OTLP/gRPC call and of each connection: how much a client may send before the receiver acknowledges it. HTTP/2's own default (64 KiB) makes a 200 KB export wait for several round trips.",
    RECEIVER,
    65_535,
    2_147_483_647,
  ),
  'receiver.grpcKeepaliveTimeMs': int(
    60_000,
    'The gRPC server pings each connection this often and closes it when the ping is not answered within receiver.grpcKeepaliveTimeoutMs.',
    RECEIVER,
    1_000,
    86_400_000,
  ),
  'receiver.grpcKeepaliveTimeoutMs': int(
    20_000,
    'How long a keepalive ping may go unanswered.',
    RECEIVER,
    1_000,
    600_000,
  ),
  'receiver.grpcMaxConnectionIdleMs': int(
    300_000,
    'Close gRPC connections without calls for this long.',
    RECEIVER,
    1_000,
    86_400_000,
  ),
  'receiver.grpcMaxConnectionAgeMs': int(
    1_800_000,
    'Close gRPC connections after this age (clients reconnect and rebalance across receivers); 0 = never.',
    RECEIVER,
    0,
    86_400_000,
  ),
  'receiver.grpcMaxConnectionAgeGraceMs': int(
    30_000,
    'Time calls in flight get to finish once a connection reached its maximum age.',
    RECEIVER,
    0,
    3_600_000,
  ),
  'receiver.grpcCallTimeoutMs': int(
    60_000,
    'Longest OTLP/gRPC call, from its metadata to its answer (slow senders get DEADLINE_EXCEEDED).',
    RECEIVER,
    1_000,
    600_000,
  ),
  'receiver.compression': oneOf(
    'none',
    ['none', 'gzip'] as const,
    'Compression of produced Kafka batches.',
    RECEIVER,
  ),
  'receiver.keyBy': oneOf(
    'none',
    ['none', 'trace', 'resource', 'trace-resource'] as const,
    "Record keys, the bytes the Collector's kafkaexporter uses: none; trace (spans and log records split per trace, key = the trace id in lowercase hex, empty for none: partition_traces_by_id, partition_logs_by_trace_id); resource (logs and metrics split per resource, key = the 16 bytes of MapHash(resource attributes): partition_{logs,metrics}_by_resource_attributes); trace-resource (traces by trace id, logs and metrics by resource).",
    RECEIVER,
  ),
  'receiver.partitioner': oneOf(
    'murmur2',
    ['murmur2', 'fnv1a'] as const,
    "Partition of a keyed record: murmur2 (Kafka's Java default); fnv1a (the Collector's default sticky_key partitioner with the sarama_compat hasher, |int32(FNV-1a-32(key)) mod n|). Keyless records go round robin.",
    RECEIVER,
  ),
  'receiver.region': str('', 'Region stamped on every record as the `tributary.region` header.', RECEIVER),
  'receiver.regionAttribute': bool(
    false,
    'Also stamp the region into each resource as the attribute `cloud.region` (when absent).',
    RECEIVER,
  ),
  'receiver.shutdownTimeoutMs': int(
    10_000,
    'Deadline for in-flight requests on shutdown.',
    RECEIVER,
    0,
    600_000,
  ),

  // writer
  'writer.groupId': str(
    'tributary-writer',
    'Consumer group prefix; the signal is appended (`tributary-writer-traces`).',
    BATCHING,
  ),
  'writer.signals': list(['traces', 'metrics', 'logs'], 'Signals this writer consumes.', WRITER),
  'writer.allowAtLeastOnce': bool(
    false,
    'Run when the start-up delivery self-test fails on the ClickHouse server (e.g. it ignores dedup tokens on INSERT … SELECT): delivery is then at-least-once, said in the log at start. Off: such a server is refused, naming the fix.',
    INSERTS,
  ),
  'writer.tracesTopics': list(
    [],
    'Topics the traces consumer reads instead of topics.prefix + topics.traces; an entry starting with ^ is a regex (e.g. several regions: ^(eu|us)\\.otlp_spans$).',
    WRITER,
  ),
  'writer.metricsTopics': list([], 'Topics the metrics consumer reads (as writer.tracesTopics).', WRITER),
  'writer.logsTopics': list([], 'Topics the logs consumer reads (as writer.tracesTopics).', WRITER),
  'writer.concurrentPartitions': int(
    4,
    'Partitions a signal consumer works on at once: one decodes while another waits for its insert.',
    BATCHING,
    1,
    64,
  ),
  'writer.batchRows': int(20_000, 'Flush a partition batch at this many rows.', BATCHING, 1, 10_000_000),
  'writer.batchBytes': int(
    16 * 1024 * 1024,
    'Flush a partition batch at this many encoded (RowBinary) bytes (at most 256 MiB: one insert body is one block the server holds in memory).',
    BATCHING,
    1024,
    268_435_456,
  ),
  'writer.flushIntervalMs': int(2_000, 'Flush a partition batch at this age.', BATCHING, 10, 600_000),
  'writer.logProcessing': oneOf(
    'clickstack',
    ['clickstack', 'none'] as const,
    "Log records (not session replays): clickstack = the ClickStack collector's processing (JSON in bodies merged into LogAttributes and flattened, severity from level attributes or the body, severity text lower-cased); none = stored as received. Part of the pinned row rules.",
    BATCHING,
  ),
  'writer.groupProtocol': oneOf(
    'classic',
    ['classic', 'consumer'] as const,
    "Kafka consumer group protocol: classic (eager: every writer pauses on a rebalance) or consumer (KIP-848, Kafka 4.x: the broker assigns incrementally and writers whose partitions stay keep working; session and heartbeat times are then the broker's group.consumer.* settings).",
    WRITER,
  ),
  'writer.maxBufferedBytes': int(
    256 * 1024 * 1024,
    'Bytes the batches of one signal (being written, open, read ahead) may hold together, records as fetched plus their encoded rows; above it the largest open batch is written before more is read. Writer memory: see docs/operations.md.',
    BATCHING,
    1024 * 1024,
    64 * 1_073_741_824,
  ),
  'writer.maxRecordEncodedBytes': int(
    64 * 1024 * 1024,
    'Encoded bytes one Kafka record may turn into; a record above it goes to the DLQ (RECORD_TOO_LARGE).',
    BATCHING,
    1024,
    1_073_741_824,
  ),
  'writer.maxTimestampPastMs': int(
    30 * 86_400_000,
    'Row times older than their Kafka record time minus this are clamped to it (counted). Part of the pinned row rules.',
    BATCHING,
    0,
    3650 * 86_400_000,
  ),
  'writer.maxTimestampFutureMs': int(
    2 * 3_600_000,
    'Row times newer than their Kafka record time plus this are clamped to it (counted). Part of the pinned row rules.',
    BATCHING,
    0,
    3650 * 86_400_000,
  ),
  'writer.stuckAfterMs': int(
    120_000,
    'Readiness fails when records of a partition waited this long without progress (from when they began waiting or the last write, whichever is later).',
    WRITER,
    1_000,
    86_400_000,
  ),
  'writer.isolationLevel': oneOf(
    'read_committed',
    ['read_committed', 'read_uncommitted'] as const,
    'Which records the writer sees on transactional topics (MirrorMaker exactly-once writes them).',
    BATCHING,
  ),
  'writer.healthPort': int(13134, 'Health endpoint port of the writer.', WRITER, 0, PORT_MAX),
  'writer.metricsPort': int(9465, 'Prometheus metrics port of the writer (0 = off).', WRITER, 0, PORT_MAX),
  'writer.shutdownTimeoutMs': int(
    15_000,
    'Deadline to flush, commit and leave the group on shutdown.',
    BATCHING,
    0,
    600_000,
  ),

  // replay
  'replay.signal': oneOf(
    'logs',
    ['traces', 'metrics', 'logs'] as const,
    'Signal whose topic `tributary replay` re-reads.',
    REPLAY,
  ),
  'replay.from': str(
    '',
    'Where replay starts: earliest, an offset (same for every partition) or an ISO time (e.g. 2026-11-24T10:00:00Z). Required.',
    REPLAY,
  ),
  'replay.to': str(
    '',
    'Where replay stops (exclusive): latest, an offset or an ISO time. Empty = latest: the end of each partition when replay starts.',
    REPLAY,
  ),

  // self-telemetry
  // Operator commands
  json: bool(false, 'Print machine-readable JSON instead of text (doctor, status, dlq).', JSON_OUTPUT),
  'doctor.replayWindowMs': int(
    7 * 86_400_000,
    'How far back you want to be able to replay (and re-drive dead letters): doctor wants every topic to keep records at least this long. Topics tributary creates (`kafka`, `dev`) keep records for the default.',
    DOCTOR,
    0,
    3650 * 86_400_000,
  ),
  once: bool(false, 'Print the status once and exit (default on a terminal: refresh in place).', STATUS),
  'status.endpoints': list(
    ['http://127.0.0.1:13133', 'http://127.0.0.1:13134'],
    "Health endpoints (base URLs) of the components `status` asks /ready; the defaults are dev's receiver and writer.",
    STATUS,
  ),
  'status.metricsEndpoints': list(
    ['http://127.0.0.1:9464', 'http://127.0.0.1:9465'],
    "Prometheus endpoints (base URLs) of the components `status` reads request answers and insert times from; the defaults are dev's receiver and writer.",
    STATUS,
  ),
  'status.intervalMs': int(
    2_000,
    'Refresh interval of `status` on a terminal; `--once` and `--json` measure their rates (rows/s, answers/s) over it.',
    STATUS,
    200,
    3_600_000,
  ),

  'dlq.signal': oneOf(
    'logs',
    ['traces', 'metrics', 'logs'] as const,
    'Signal whose dead-letter topic `tributary dlq` reads.',
    DLQ,
  ),
  'dlq.offsets': list(
    [],
    'Dead letters to show or re-drive: offsets (any partition) or partition:offset; empty = all (redrive then needs dlq.all).',
    DLQ,
  ),
  'dlq.all': bool(
    false,
    '`tributary dlq redrive` re-drives every dead letter of the topic (up to dlq.limit).',
    DLQ,
  ),
  'dlq.limit': int(1_000, 'Most dead letters one `tributary dlq` call reads.', DLQ, 1, 1_000_000),

  'telemetry.otlpEndpoint': str(
    '',
    "OTLP/HTTP base URL (e.g. http://collector:4318) that receives tributary's own spans and metrics (service.name tributary-receiver / tributary-writer). Empty = no export; `dev` then sends them into its own receiver (`off` disables that too).",
    TELEMETRY_EXPORT,
  ),
  'telemetry.otlpHeaders': list(
    [],
    'Headers of the self-telemetry export as name=value (e.g. authorization=<key>), only from the environment or a file (TRIBUTARY_TELEMETRY_OTLP_HEADERS_FILE, one per line).',
    TELEMETRY_EXPORT,
    true,
  ),
  'telemetry.exportIntervalMs': int(
    15_000,
    'How often the own metrics are exported over OTLP (spans go in batches at most 5 s old).',
    TELEMETRY,
    1_000,
    3_600_000,
  ),
  'telemetry.traceSamplePercent': int(
    100,
    'Share of receiver requests that get a span (0 = no spans, metrics only); a sampled parent in `traceparent` is always followed.',
    TELEMETRY,
    0,
    100,
  ),
} as const satisfies Record<string, Option>;

export type ConfigKey = keyof typeof configSchema;

type ValueOf<O> = O extends IntOption
  ? number
  : O extends BoolOption
    ? boolean
    : O extends ListOption
      ? readonly string[]
      : O extends EnumOption<infer V>
        ? V
        : string;

export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof configSchema)[K]> };

/** `kafka.brokers` → `TRIBUTARY_KAFKA_BROKERS` */
export function envName(key: string): string {
  return (
    'TRIBUTARY_' +
    key
      .replace(/\./g, '_')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toUpperCase()
  );
}

/** `kafka.brokers` → `--kafka-brokers` */
export function flagName(key: string): string {
  return (
    '--' +
    key
      .replace(/\./g, '-')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
  );
}

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(configSchema, key);
}
