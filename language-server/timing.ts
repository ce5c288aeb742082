// The language server's timing, apart from the server so that a tool (the bench) can read it without
// loading the LSP libraries.

/** Milliseconds of quiet after an edit before diagnostics are recomputed. */
export const DIAGNOSTICS_DELAY_MS = 150;
