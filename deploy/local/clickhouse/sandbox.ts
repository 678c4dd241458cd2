/**
 * The engine-level half of the local server's sandbox: the rights of the one user chdb runs every
 * query as. chdb is clickhouse-local inside: its `default` database falls back to the filesystem
 * (`SELECT * FROM \`/etc/hostname\`` reads the file) and table names can come from computed
 * strings, which no statement check can see. Without the FILE, URL, REMOTE, … source grants the
 * engine refuses all of that itself, whatever the form; engines other than those below and BACKUP
 * are refused the same way. What the grants cannot stop (the scalar file() function, INTO OUTFILE,
 * FROM INFILE, which clickhouse-local runs without a grant check) is sql-policy.ts's job.
 *
 * The server's own binary inserts use `INSERT … FROM INFILE '<temp file>'`, which needs no grant;
 * external data (the writer's `_tributary_rows`) is loaded the same way, by the server, into a
 * Memory table (external-data.ts), never through file(), which these grants refuse.
 */

/** Table and database engines that keep their data inside the engine's own directory. */
export const SAFE_ENGINES: readonly string[] = [
  'MergeTree',
  'ReplacingMergeTree',
  'SummingMergeTree',
  'AggregatingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
  'GraphiteMergeTree',
  'CoalescingMergeTree',
  'ReplicatedMergeTree',
  'ReplicatedReplacingMergeTree',
  'ReplicatedSummingMergeTree',
  'ReplicatedAggregatingMergeTree',
  'ReplicatedCollapsingMergeTree',
  'ReplicatedVersionedCollapsingMergeTree',
  'ReplicatedGraphiteMergeTree',
  'ReplicatedCoalescingMergeTree',
  'Memory',
  'Log',
  'TinyLog',
  'StripeLog',
  'Null',
  'Set',
  'Join',
  'Buffer',
  'Merge',
  'Dictionary',
  'View',
  'MaterializedView',
  'GenerateRandom',
  'TimeSeries',
  'WindowView',
  'Alias',
  // Keeps its data in the ZooKeeper / ClickHouse Keeper the server is configured with (none by
  // default: then the engine refuses it); the delivery state of replicated deployments uses it.
  'KeeperMap',
  // database engines
  'Atomic',
  'Ordinary',
  'Lazy',
  'Replicated',
];

const GRANTS = [
  'GRANT SELECT, INSERT, ALTER, CREATE, DROP, UNDROP TABLE, TRUNCATE, OPTIMIZE, SHOW, CHECK, dictGet, KILL QUERY ON *.*',
  'GRANT SYSTEM FLUSH, SYSTEM DROP CACHE, SYSTEM MERGES, SYSTEM TTL MERGES, SYSTEM MOVES, SYSTEM SYNC REPLICA, SYSTEM RELOAD DICTIONARY ON *.*',
  ...SAFE_ENGINES.map((engine) => `GRANT TABLE ENGINE ON ${engine}`),
];

/** The engine's configuration file: MergeTree defaults plus the sandboxed user. */
export function engineConfigXml(options: { dedupWindow: number; configPath: string }): string {
  const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<clickhouse>',
    '  <merge_tree>',
    `    <non_replicated_deduplication_window>${options.dedupWindow}</non_replicated_deduplication_window>`,
    '  </merge_tree>',
    // Users come from this same file, so the grants below are the only rights queries have.
    `  <user_directories><users_xml><path>${escape(options.configPath)}</path></users_xml></user_directories>`,
    '  <users>',
    '    <default>',
    '      <password></password>',
    '      <profile>default</profile>',
    '      <quota>default</quota>',
    '      <grants>',
    ...GRANTS.map((grant) => `        <query>${escape(grant)}</query>`),
    '      </grants>',
    '    </default>',
    '  </users>',
    '  <profiles><default/></profiles>',
    '  <quotas><default/></quotas>',
    '</clickhouse>',
    '',
  ].join('\n');
}
