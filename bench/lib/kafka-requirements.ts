/**
 * The requirements table of the Kafka client choice (issue 12), printed with every `npm run bench:kafka`
 * result so the figures and the reasons travel together. Facts checked against the packages' sources
 * (node_modules) and an install attempt on the bench machine; see docs/performance.md, "Kafka client".
 */
export const REQUIREMENTS_MD = `## Requirements

| requirement | kafkajs 2.2.4 | @platformatic/kafka 2.12.1 | @confluentinc/kafka-javascript 1.10.1 |
|---|---|---|---|
| explicit positions (fetch where the caller says, nothing remembered) | no public Fetch: seek() inside the client's own fetch loop | yes: public \`Consumer.fetch\` per leader (kafka/platformatic/reader.ts) | librdkafka's own fetcher: assign()/seek() only |
| topic ids (Metadata v10+) | no: Metadata v0-v6 only (src/protocol/requests/metadata) | yes: metadata carries topic ids, Fetch v13+ by topic id | not checked (does not install, below) |
| commit fenced by the protocol | generation (classic) | generation (classic); member epoch under KIP-848 (OffsetCommit v9, sent by the client) | yes (librdkafka) |
| KIP-848 consumer group protocol | no: JoinGroup/SyncGroup, eager only | yes (\`groupProtocol: 'consumer'\`); two gaps closed in the adapter: the join exists only inside consume(), and a member the broker removed (UNKNOWN_MEMBER_ID) is never re-joined | librdkafka supports \`group.protocol=consumer\`; not checked here |
| maintenance | last release Feb 2023; the project says it is unmaintained (its issue #1603) | active: 2.12.0 and 2.12.1 in Sep 2026 | active (Confluent) |
| install from the npm registry alone | yes (pure JavaScript) | yes (pure JavaScript) | **no**: \`npm install\` runs node-pre-gyp, which downloads a prebuilt binary from github.com (ENOTFOUND here), then falls back to building librdkafka, whose configure downloads zlib (zlib.net), OpenSSL and zstd (github.com) and curl (curl.se); all fail and the install exits 1 (Node 26.10.0, 2026-11-25). Out. |
`;
