/**
 * Resolves the classpaths of the local Kafka broker (deploy/kafka/pom.xml) and of MirrorMaker 2
 * (deploy/kafka/mirror/pom.xml) with Maven and caches them per version, so only the first start pays
 * for `mvn` (and the download into ~/.m2).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TributaryError } from '../../../core/errors.js';
import { fromRoot } from '../../../core/paths.js';

const run = promisify(execFile);

function hasCommand(name: string, versionArg: string): boolean {
  return spawnSync(name, [versionArg], { stdio: 'ignore' }).status === 0;
}

const missingHelp =
  'the local Kafka broker needs Java 17+ and Maven (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven). ' +
  'Alternatively point TRIBUTARY_KAFKA_BROKERS at an existing Kafka cluster, or use docker-compose.yml.';

export function checkJavaAndMaven(): void {
  if (!hasCommand('java', '-version'))
    throw new TributaryError('DEPENDENCY_MISSING', `java not found: ${missingHelp}`);
  if (!hasCommand('mvn', '-v'))
    throw new TributaryError('DEPENDENCY_MISSING', `mvn not found: ${missingHelp}`);
}

export function classpathCacheDir(): string {
  return process.env['TRIBUTARY_CACHE_DIR'] ?? join(homedir(), '.cache', 'tributary');
}

/** A Maven project under deploy/ whose runtime classpath runs one Java program. */
interface JavaComponent {
  /** Name in messages and in the cache file name. */
  readonly label: string;
  readonly pomPath: string;
  /** Rough first-run download, for the progress line. */
  readonly downloadHint: string;
  /** The POM property the version is given as (default kafka.version). */
  readonly versionProperty?: string;
}

const KAFKA_BROKER: JavaComponent = {
  label: 'kafka',
  pomPath: fromRoot('deploy', 'kafka', 'pom.xml'),
  downloadHint: '~40 MB',
};

const MIRROR_MAKER: JavaComponent = {
  label: 'mirror-maker',
  pomPath: fromRoot('deploy', 'kafka', 'mirror', 'pom.xml'),
  downloadHint: '~30 MB',
};

const ZOOKEEPER: JavaComponent = {
  label: 'zookeeper',
  pomPath: fromRoot('deploy', 'zookeeper', 'pom.xml'),
  downloadHint: '~5 MB',
  versionProperty: 'zookeeper.version',
};

/** Apache ZooKeeper's runtime classpath for `version` (the coordinator of KeeperMap tests). */
export function zookeeperClasspath(
  version: string,
  onProgress: (line: string) => void = () => undefined,
): Promise<string> {
  return mavenClasspath(ZOOKEEPER, version, onProgress);
}

/** The broker's runtime classpath for `version`, resolving it with Maven on the first call. */
export function kafkaClasspath(
  version: string,
  onProgress: (line: string) => void = () => undefined,
): Promise<string> {
  return mavenClasspath(KAFKA_BROKER, version, onProgress);
}

/** MirrorMaker 2's runtime classpath for `version` (the two-region test and local mirroring). */
export function mirrorMakerClasspath(
  version: string,
  onProgress: (line: string) => void = () => undefined,
): Promise<string> {
  return mavenClasspath(MIRROR_MAKER, version, onProgress);
}

async function mavenClasspath(
  component: JavaComponent,
  version: string,
  onProgress: (line: string) => void,
): Promise<string> {
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new TributaryError(
      'CONFIG_INVALID',
      `${component.versionProperty ?? 'kafka.version'}: "${version}" is not a version like 4.1.1`,
    );
  const cacheDir = classpathCacheDir();
  const cacheFile = join(cacheDir, `${component.label}-${version}.classpath`);
  if (existsSync(cacheFile)) {
    const classpath = readFileSync(cacheFile, 'utf8').trim();
    // A cleaned ~/.m2 invalidates the cache: check the jars are still there.
    if (classpath.split(':').every((jar) => existsSync(jar))) return classpath;
  }
  checkJavaAndMaven();
  mkdirSync(cacheDir, { recursive: true });
  onProgress(
    `resolving ${component.label} ${version} jars with Maven (the first run downloads ${component.downloadHint} into ~/.m2)...`,
  );
  const started = Date.now();
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        component.pomPath,
        'dependency:build-classpath',
        `-Dmdep.outputFile=${tmp}`,
        `-D${component.versionProperty ?? 'kafka.version'}=${version}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const output = err as { stdout?: string; stderr?: string };
    const tail = `${output.stdout ?? ''}${output.stderr ?? ''}`.split('\n').slice(-15).join('\n');
    throw new TributaryError(
      'DEPENDENCY_MISSING',
      `Maven could not resolve ${component.label} ${version}:\n${tail}`,
      { cause: err },
    );
  }
  renameSync(tmp, cacheFile); // atomic: concurrent starts never read a half-written file
  onProgress(
    `${component.label} ${version} jars resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return readFileSync(cacheFile, 'utf8').trim();
}
