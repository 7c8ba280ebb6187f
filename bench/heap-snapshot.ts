// What the heap grows by per idle connection: the difference of two V8 heap snapshots, taken at two socket counts,
// by constructor (or closure name), divided by the sockets added. `npm run bench -- --only=5 --heap-snapshot`
// takes them from the gateway in figure 5; `tsx bench/heap-snapshot.ts <a.heapsnapshot> <b.heapsnapshot> <sockets>`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count by "type:name", e.g. "object:WebSocket", "closure:onMessage", "string". */
export function sizesByConstructor(file: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const key =
      type === 'object' || type === 'closure' || type === 'native' ? `${type}:${s.strings[s.nodes[i + iName]!]}` : type;
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += s.nodes[i + iSize]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

export function perSocketGrowth(before: string, after: string, sockets: number, top = 25): string {
  const a = sizesByConstructor(before);
  const b = sizesByConstructor(after);
  const rows = [...b]
    .map(([k, v]) => ({
      k,
      bytes: (v.bytes - (a.get(k)?.bytes ?? 0)) / sockets,
      count: (v.count - (a.get(k)?.count ?? 0)) / sockets,
    }))
    .filter((r) => r.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  return (
    `heap growth per socket ≈ ${total.toFixed(0)} B (self sizes; by constructor):\n` +
    rows
      .slice(0, top)
      .map((r) => `  ${r.bytes.toFixed(0).padStart(6)} B  ${r.count.toFixed(2).padStart(6)} objects  ${r.k}`)
      .join('\n')
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [a, b, n] = process.argv.slice(2);
  if (!a || !b || !n)
    throw new Error('usage: tsx bench/heap-snapshot.ts <before.heapsnapshot> <after.heapsnapshot> <sockets added>');
  console.log(perSocketGrowth(a, b, Number(n)));
}
