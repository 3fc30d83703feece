/** Stable error codes. Every failing call leaves parameters and state exactly as they were. */
export type ErrorCode =
  | 'LENGTH_MISMATCH'
  | 'INVALID_HYPERPARAMETER'
  | 'DISPOSED'
  | 'FOREIGN_BUFFER'
  | 'OUT_OF_MEMORY'
  | 'UNSUPPORTED'
  | 'INVALID_STATE'
  | 'NOT_POSITIVE_DEFINITE'
  | 'NON_FINITE';

export class SimdoptError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
export class LengthMismatchError extends SimdoptError {
  constructor(message: string) { super('LENGTH_MISMATCH', message); }
}
export class HyperparameterError extends SimdoptError {
  constructor(message: string) { super('INVALID_HYPERPARAMETER', message); }
}
export class DisposedError extends SimdoptError {
  constructor(message: string) { super('DISPOSED', message); }
}
export class ForeignBufferError extends SimdoptError {
  constructor(message: string) { super('FOREIGN_BUFFER', message); }
}
export class OutOfMemoryError extends SimdoptError {
  constructor(message: string) { super('OUT_OF_MEMORY', message); }
}
export class UnsupportedError extends SimdoptError {
  constructor(message: string) { super('UNSUPPORTED', message); }
}
export class StateError extends SimdoptError {
  constructor(message: string) { super('INVALID_STATE', message); }
}

/** A gradient (or another input) holds NaN or ±Infinity; `tensor` names the first offending tensor. */
export class NonFiniteError extends SimdoptError {
  readonly tensor: string;
  readonly count: number;
  constructor(message: string, tensor: string, count: number) { super('NON_FINITE', message); this.tensor = tensor; this.count = count; }
}

export class NotPositiveDefiniteError extends SimdoptError {
  /** 0-based index of the first non-positive pivot. */
  readonly pivot: number;
  constructor(message: string, pivot: number) { super('NOT_POSITIVE_DEFINITE', message); this.pivot = pivot; }
}

/** Throws HyperparameterError unless `value` is a finite number within [lo, hi] (open ends with the flags). */
export function checkRange(name: string, value: unknown, lo: number, hi: number, openLo = false, openHi = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HyperparameterError(`${name} must be a finite number, got ${String(value)}`);
  }
  if (value < lo || value > hi || (openLo && value === lo) || (openHi && value === hi)) {
    const l = openLo ? '(' : '[', r = openHi ? ')' : ']';
    throw new HyperparameterError(`${name} must be in ${l}${lo}, ${hi}${r}, got ${value}`);
  }
  return value;
}
