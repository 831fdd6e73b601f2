import type { z } from 'zod';
import type { Dialect } from './dialect';
import type { Finding } from './problem';

/** What a format reader hands to the common checks. */
export interface Source {
  dialect: Dialect;
  /** Problems only the reader can see: syntax, unknown sections, variables named twice. */
  findings: Finding[];
  warnings: Finding[];
  /** Absent when the file could not be read far enough to check anything else. */
  parsed?: {
    /** The file's content as written, and the schema of the format that reports on it. */
    document: unknown;
    schema: z.ZodType;
    /** The content in the normalized inventory's shape, not validated yet. */
    draft: unknown;
    /** Nodes (by index) whose settings could not all be read: what they lack is not judged. */
    incomplete: ReadonlySet<number>;
  };
}
