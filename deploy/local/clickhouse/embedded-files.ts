/**
 * Finds the ClickStack UI's files inside the engine library (chdb's libchdb.so), where ClickHouse
 * keeps them for its /clickstack handler: a table compiled into the binary whose entries are three
 * string views `{path, data, mime}` (pointer + length each, 48 bytes), `data` being the gzipped
 * file. Nothing is copied out: the result says where each file's bytes are in the library, and the
 * server reads them from there per request.
 *
 * The library is position-independent, so the table's pointers are not in the file: each one is an
 * R_*_RELATIVE relocation (in a SHT_RELA section, sorted by place) whose addend is the target's
 * virtual address; the lengths are in place. The table shows up as a run of relocations 16 bytes
 * apart whose entries look like `{short path, gzip data, type/subtype}`; the longest such run that
 * holds `index.html` is it. The relocations are read in chunks and only runs long enough to be a
 * table are kept, so the search needs little memory; it reads ~30 MB of a 560 MB library in about a
 * second. Another engine build may lay the table out differently or lack it: then this reports why
 * and the UI is simply not served.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface EmbeddedFile {
  readonly path: string;
  readonly mime: string;
  /** Where the gzipped bytes are in the library file. */
  readonly offset: number;
  readonly size: number;
}

export class NoEmbeddedFiles extends Error {}

const ELF_MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const PT_LOAD = 1;
const SHT_RELA = 4;
/** R_X86_64_RELATIVE and R_AARCH64_RELATIVE. */
const RELATIVE_TYPES = new Set([8, 1027]);
const ENTRY_POINTERS = 3;
/** A run shorter than this many entries is not the table (the UI has over a hundred files). */
const MIN_ENTRIES = 8;
const CHUNK_BYTES = 24 * 65_536;

interface Segment {
  readonly offset: number;
  readonly vaddr: number;
  readonly size: number;
}

/** A run of relocations 16 bytes apart: candidate pointer slots of `{ptr, len}` pairs. */
interface Run {
  readonly start: number;
  readonly addends: number[];
}

const u64 = (view: DataView, at: number): number =>
  view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;

async function readAt(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}

async function elfLayout(file: FileHandle): Promise<{ segments: Segment[]; relas: Segment[] }> {
  const header = await readAt(file, 0, 64);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 64 || view.getUint32(0, true) !== ELF_MAGIC)
    throw new NoEmbeddedFiles('the engine library is not an ELF file');
  if (header[4] !== 2 || header[5] !== 1)
    throw new NoEmbeddedFiles('the engine library is not a 64-bit little-endian ELF file');
  const phoff = u64(view, 32);
  const shoff = u64(view, 40);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  const segments: Segment[] = [];
  const programs = await readAt(file, phoff, phentsize * phnum);
  const pv = new DataView(programs.buffer, programs.byteOffset, programs.byteLength);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (pv.getUint32(at, true) !== PT_LOAD) continue;
    segments.push({ offset: u64(pv, at + 8), vaddr: u64(pv, at + 16), size: u64(pv, at + 32) });
  }
  const relas: Segment[] = [];
  const sections = await readAt(file, shoff, shentsize * shnum);
  const sv = new DataView(sections.buffer, sections.byteOffset, sections.byteLength);
  for (let i = 0; i < shnum; i++) {
    const at = i * shentsize;
    if (sv.getUint32(at + 4, true) !== SHT_RELA) continue;
    relas.push({ offset: u64(sv, at + 24), vaddr: u64(sv, at + 16), size: u64(sv, at + 32) });
  }
  if (relas.length === 0) throw new NoEmbeddedFiles('the engine library has no RELA relocations');
  return { segments, relas };
}

/** The runs of RELATIVE relocations 16 bytes apart that are long enough to hold a table. */
async function relocationRuns(file: FileHandle, relas: readonly Segment[]): Promise<Run[]> {
  const runs: Run[] = [];
  let current: Run | undefined;
  let last = -1;
  const finish = (): void => {
    if (current && current.addends.length >= ENTRY_POINTERS * MIN_ENTRIES) runs.push(current);
    current = undefined;
  };
  for (const section of relas) {
    for (let done = 0; done < section.size; done += CHUNK_BYTES) {
      const chunk = await readAt(file, section.offset + done, Math.min(CHUNK_BYTES, section.size - done));
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = 0; at + 24 <= chunk.length; at += 24) {
        if (!RELATIVE_TYPES.has(view.getUint32(at + 8, true))) continue;
        const place = u64(view, at);
        const addend = u64(view, at + 16);
        if (current && place === last + 16) current.addends.push(addend);
        else {
          finish();
          current = { start: place, addends: [addend] };
        }
        last = place;
      }
    }
  }
  finish();
  return runs;
}

function fileOffset(segments: readonly Segment[], vaddr: number, length: number): number | undefined {
  for (const s of segments)
    if (vaddr >= s.vaddr && vaddr + length <= s.vaddr + s.size) return vaddr - s.vaddr + s.offset;
  return undefined;
}

const MIME = /^[a-z]+\/[a-z0-9.+-]+(;\s*charset=[A-Za-z0-9-]+)?$/;
const PATH = /^[\x21-\x7e]{1,400}$/;

/** The entry of a table at `slot` of a run, or undefined when those slots are not a file. */
async function entryAt(
  file: FileHandle,
  segments: readonly Segment[],
  run: Run,
  view: DataView,
  slot: number,
): Promise<EmbeddedFile | undefined> {
  const length = (i: number): number => u64(view, (slot + i) * 16 + 8);
  const [pathLength, size, mimeLength] = [length(0), length(1), length(2)];
  if (pathLength < 1 || pathLength > 400 || mimeLength < 3 || mimeLength > 100 || size < 18) return undefined;
  const pathAt = fileOffset(segments, run.addends[slot]!, pathLength);
  const dataAt = fileOffset(segments, run.addends[slot + 1]!, size);
  const mimeAt = fileOffset(segments, run.addends[slot + 2]!, mimeLength);
  if (pathAt === undefined || dataAt === undefined || mimeAt === undefined) return undefined;
  const path = (await readAt(file, pathAt, pathLength)).toString('latin1');
  const mime = (await readAt(file, mimeAt, mimeLength)).toString('latin1');
  const magic = await readAt(file, dataAt, 3);
  if (!PATH.test(path) || !MIME.test(mime) || magic[0] !== 0x1f || magic[1] !== 0x8b || magic[2] !== 8)
    return undefined;
  return { path, mime, offset: dataAt, size };
}

/** The longest stretch of consecutive file entries in one run, read at one phase (0-2). */
async function longestTable(
  file: FileHandle,
  segments: readonly Segment[],
  run: Run,
  phase: number,
): Promise<EmbeddedFile[]> {
  const slotsAt = fileOffset(segments, run.start, run.addends.length * 16);
  if (slotsAt === undefined) return [];
  const slots = await readAt(file, slotsAt, run.addends.length * 16);
  const view = new DataView(slots.buffer, slots.byteOffset, slots.byteLength);
  let best: EmbeddedFile[] = [];
  let current: EmbeddedFile[] = [];
  for (let slot = phase; slot + ENTRY_POINTERS <= run.addends.length; slot += ENTRY_POINTERS) {
    const entry = await entryAt(file, segments, run, view, slot);
    if (entry) current.push(entry);
    else current = [];
    if (current.length > best.length) best = current;
  }
  return best;
}

/**
 * The gzipped files of the table that holds `index.html` in the ELF library at `path`, or a
 * NoEmbeddedFiles error that says why there is none.
 */
export async function findEmbeddedFiles(path: string): Promise<EmbeddedFile[]> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new NoEmbeddedFiles(`cannot open the engine library ${path}: ${(err as Error).message}`);
  }
  try {
    const { segments, relas } = await elfLayout(file);
    let best: EmbeddedFile[] = [];
    for (const run of await relocationRuns(file, relas))
      for (let phase = 0; phase < ENTRY_POINTERS; phase++) {
        const entries = await longestTable(file, segments, run, phase);
        if (entries.length > best.length && entries.some((e) => e.path === 'index.html')) best = entries;
      }
    if (best.length === 0)
      throw new NoEmbeddedFiles(`no ClickStack UI files found in the engine library ${path}`);
    return best;
  } finally {
    await file.close();
  }
}
