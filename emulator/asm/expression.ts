// What a constant expression means: 64-bit unsigned arithmetic that wraps, shifts by the count modulo
// 64, and division by zero as an error. The assembler (constants, operands) and the debug console
// (expressions over registers) both evaluate through this one function and differ only in how they
// look up names and registers and how they report a problem.

import type { Expr, Span } from './syntax';

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** How an evaluation reads the names in an expression and reports a problem. */
export interface ExpressionScope {
  /** The value of a register, or undefined after reporting why there is none. */
  register(index: number, span: Span): bigint | undefined;
  /** sizeof(NAME): the struct's size, or undefined after reporting. */
  sizeOf(name: string, nameSpan: Span): bigint | undefined;
  /** A symbol's value, or undefined after reporting. */
  symbol(name: string, local: boolean, span: Span): bigint | undefined;
  /** Division by zero (and any other problem of the arithmetic itself). */
  error(span: Span, message: string): void;
}

/** Evaluates `e`; undefined when a part could not be (the scope was told why). */
export function evaluate(e: Expr, scope: ExpressionScope): bigint | undefined {
  switch (e.k) {
    case 'num': return e.v;
    case 'reg': return scope.register(e.index, e.span);
    case 'sizeof': return scope.sizeOf(e.name, e.nameSpan);
    case 'sym': return scope.symbol(e.name, e.local, e.span);
    case 'un': {
      const a = evaluate(e.a, scope);
      if (a === undefined) return undefined;
      return e.op === '-' ? U64(-a) : U64(~a);
    }
    case 'bin': {
      const a = evaluate(e.a, scope);
      const b = evaluate(e.b, scope);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+': return U64(a + b);
        case '-': return U64(a - b);
        case '*': return U64(a * b);
        case '/': case '%':
          if (b === 0n) { scope.error(e.span, 'division by zero'); return undefined; }
          return e.op === '/' ? a / b : a % b;
        case '<<': return U64(a << (b & 63n));
        case '>>': return a >> (b & 63n);
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
      }
      scope.error(e.span, `unknown operator ${e.op}`);
      return undefined;
    }
  }
}
