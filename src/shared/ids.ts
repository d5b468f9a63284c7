import { randomBytes, randomUUID } from 'node:crypto';

/** Opaque, unguessable identifiers (CSPRNG). */
export const newId = (): string => randomUUID();
export const newToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
