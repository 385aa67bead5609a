/**
 * @module
 * PURE. A schema for objects told apart by their `type` (content blocks, parts, items): the object is checked
 * against the schema of its type, and errors name the exact field (`messages.0.content.1.source.data`). Types with
 * no schema pass (the API adds new block types; a type the proxy does not read is for the upstream to judge),
 * unless `unknownTypes` is 'reject'.
 */
import { z } from 'zod';

export function selectSchemaByType(schemas: Record<string, z.ZodType>, options: { unknownTypes: 'pass' | 'reject' }) {
  const known = Object.keys(schemas);
  return z.looseObject({ type: z.string() }).superRefine((value, context) => {
    const schema = Object.hasOwn(schemas, value.type) ? schemas[value.type] : undefined;
    if (schema == null) {
      if (options.unknownTypes === 'reject') {
        context.addIssue({ code: 'custom', path: ['type'], input: value.type, message: `expected one of ${known.map((type) => `"${type}"`).join(', ')}` });
      }
      return;
    }
    const parsed = schema.safeParse(value, { reportInput: true });
    if (!parsed.success) for (const issue of parsed.error.issues) context.addIssue({ ...issue } as never);
  });
}
