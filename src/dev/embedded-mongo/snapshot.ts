// Dev-mode persistence: the whole store as canonical Extended JSON (so Long, Decimal128, Binary,
// ObjectId and Date survive), written atomically via a temp file and rename.
import fs from 'node:fs';
import path from 'node:path';
import { Double, EJSON, Int32, Long } from 'bson';
import { isPlainObject } from './values.js';
import type { SnapshotStore, StoreSnapshot } from './storage.js';

export function fileSnapshotStore(file: string): SnapshotStore {
  return {
    load(): StoreSnapshot | undefined {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return promote(EJSON.parse(text, { relaxed: false })) as StoreSnapshot;
    },
    save(snapshot: StoreSnapshot): void {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, EJSON.stringify(snapshot, { relaxed: false }));
      fs.renameSync(temp, file);
    },
  };
}

/** Same promotion as the wire layer: int32/double and safe int64 become JS numbers, big Longs stay. */
function promote(value: unknown): unknown {
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof Long) {
    const n = value.toNumber();
    return Number.isSafeInteger(n) ? n : value;
  }
  if (Array.isArray(value)) return value.map(promote);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = promote(v);
    return out;
  }
  return value;
}
