// fmin ships no types: the one function used here.
declare module 'fmin' {
  export function nelderMead(
    f: (x: number[]) => number,
    x0: number[],
    parameters?: { maxIterations?: number; nonZeroDelta?: number; zeroDelta?: number; minErrorDelta?: number; minTolerance?: number },
  ): { fx: number; x: number[] };
}
