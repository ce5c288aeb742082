// The JSON schema of a layout file, for editors (completion, hovers and errors in *.layout.json).
// validateLayout (layout.ts) is code, not a declarative description, so the schema is written here
// beside it and test/emulator/layout-schema.test.ts holds the two together: layouts the validator
// accepts are valid here, and the shapes it rejects are rejected here too. The schema only says what
// a JSON shape can say (types, names, required keys); overlaps, alignment and sizes stay the validator's.
// It is stricter in one way on purpose: an unknown key inside a chunk, space, mapping or volume is
// flagged, since the validator ignores it and a typo ("sise") would silently take the default.
// scripts/gen-layout-schema.mjs writes it to dist/layout.schema.json at build time.

/** A number as layout files write it: a JSON integer, or a string such as "0x2000_0000", "512M", "3.25G" (parseNumber). */
export const LAYOUT_NUMBER_PATTERN = '^\\s*(?:0[xX][0-9a-fA-F][0-9a-fA-F_]*|0[bB][01][01_]*|[0-9][0-9_]*(?:\\.[0-9]+)?)[kKmMgG]?\\s*$';

/** A chunk, space or volume name: a word such as "C1" or "VS1". */
export const LAYOUT_NAME_PATTERN = '^[A-Za-z_][\\w.-]*$';

const number = (description: string) => ({
  description,
  anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: LAYOUT_NUMBER_PATTERN }],
  defaultSnippets: [{ body: '0x${1:0}' }],
});
const name = (description: string) => ({ type: 'string', pattern: LAYOUT_NAME_PATTERN, description });

export const LAYOUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mover.invalid/layout.schema.json',
  title: 'Mover layout',
  description: 'Physical chunks and the virtual spaces that map them ([00037]-[00038], FIG. 5). Numbers are JSON integers or strings such as "0x1_0000_0000", "512M", "3.25G".',
  type: 'object',
  required: ['chunks', 'spaces'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', description: 'The layout\'s name, shown in the chunk map and the language status.' },
    chunks: {
      type: 'array', minItems: 1, description: 'Physical memory regions (4 KiB aligned, non-overlapping, inside the 36-bit physical space).',
      items: {
        type: 'object', required: ['name', 'base', 'size'], additionalProperties: false,
        properties: {
          name: name('The chunk\'s name, e.g. "C1".'),
          base: number('Physical address of the first byte (4 KiB aligned).'),
          size: number('Size in bytes (a non-zero multiple of 4 KiB), e.g. "512M".'),
          purpose: { type: 'string', description: 'What the chunk holds.' },
        },
      },
    },
    spaces: {
      type: 'array', minItems: 1, description: 'Virtual spaces: one may have paging off (linear = physical); the others map chunks.',
      items: {
        type: 'object', required: ['name'], additionalProperties: false,
        properties: {
          name: name('The space\'s name, e.g. "VS1".'),
          purpose: { type: 'string', description: 'What the space is for.' },
          paging: { type: 'boolean', description: 'false: paging off, linear = physical over the low 4 GiB (takes no "map").' },
          map: {
            type: 'array', minItems: 1, description: 'VA ranges mapped to chunks (paging on).',
            items: {
              type: 'object', required: ['va', 'chunk'], additionalProperties: false,
              properties: {
                va: number('Virtual address of the window (page aligned).'),
                chunk: name('The chunk this window maps.'),
                offset: number('Offset of the window in the chunk (default 0).'),
                size: number('Size of the window (default: the rest of the chunk).'),
                global: { type: 'boolean', default: false, description: 'Global pages survive CR3 loads (PGE).' },
                writable: { type: 'boolean', default: true, description: 'R/W bit of the mapping.' },
                user: { type: 'boolean', default: true, description: 'U/S bit of the mapping.' },
                pageSize: { description: 'Page size of the mapping.', anyOf: [{ enum: ['4K', '2M'] }, { enum: [4096, 2097152] }], default: '4K' },
              },
            },
          },
        },
        // Paging off takes no map; paging on (or unsaid) needs one.
        if: { properties: { paging: { const: false } }, required: ['paging'] },
        then: { not: { required: ['map'] } },
        else: { required: ['map'] },
      },
    },
    pageTables: {
      type: 'object', required: ['base', 'size'], additionalProperties: false,
      description: 'Where the boot builder puts PDPTs, page directories and page tables: inside one chunk, the PDPTs below 4 GiB.',
      properties: { base: number('Physical address of the area (4 KiB aligned, below 4 GiB).'), size: number('Size of the area, e.g. "16M".') },
    },
    volumes: {
      type: 'array', description: 'Block volumes (the snapshot facility\'s clone and save volumes).',
      items: {
        type: 'object', required: ['name', 'blockSize', 'blocks'], additionalProperties: false,
        properties: {
          name: name('The volume\'s name, e.g. "clone".'),
          blockSize: number('Bytes per block: a power of two from 512 to 1M.'),
          blocks: number('Number of blocks (at least 1).'),
        },
      },
    },
  },
} as const;
