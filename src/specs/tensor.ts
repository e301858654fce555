// A tensor as TypeScript sees it: dtype, shape and a typed view over the bytes that crossed the wire.
import type { Dtype } from "./envelope.js";

type TypedArrayOf = {
  float32: Float32Array;
  float16: Uint16Array; // raw IEEE half bits: Node 20 has no Float16Array
  bfloat16: Uint16Array; // raw bfloat16 bits, tagged by dtype
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
};
/** The typed array that holds a tensor of dtype `D` (float16 and bfloat16 as their raw Uint16 bits). */
export type TensorData<D extends Dtype = Dtype> = TypedArrayOf[D];

interface DtypeInfo {
  itemSize: number;
  view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => TensorData;
}

export const DTYPE_INFO: Record<Dtype, DtypeInfo> = {
  float32: { itemSize: 4, view: (b, o, n) => new Float32Array(b, o, n) },
  float16: { itemSize: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  bfloat16: { itemSize: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  float64: { itemSize: 8, view: (b, o, n) => new Float64Array(b, o, n) },
  int64: { itemSize: 8, view: (b, o, n) => new BigInt64Array(b, o, n) },
  int32: { itemSize: 4, view: (b, o, n) => new Int32Array(b, o, n) },
  int16: { itemSize: 2, view: (b, o, n) => new Int16Array(b, o, n) },
  int8: { itemSize: 1, view: (b, o, n) => new Int8Array(b, o, n) },
  uint8: { itemSize: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
  bool: { itemSize: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** A tensor on the TypeScript side: dtype, shape and a typed array over its bytes (row-major). */
export class Tensor<D extends Dtype = Dtype> {
  constructor(
    readonly dtype: D,
    readonly shape: readonly number[],
    readonly data: TensorData<D>,
  ) {
    const expected = elementCount(shape);
    if (data.length !== expected) {
      throw new RangeError(`Tensor shape [${shape.join(", ")}] needs ${expected} elements but data has ${data.length}`);
    }
  }

  /** A float32 tensor from numbers; the shape defaults to one dimension of `values.length`. */
  static float32(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor<"float32"> {
    return new Tensor("float32", shape, Float32Array.from(values));
  }

  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The number of bytes of the data. */
  get byteLength(): number {
    return this.data.byteLength;
  }

  /** The bytes of the tensor, as a Buffer view (no copy). */
  bytes(): Buffer {
    return Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /** `Tensor(dtype, [shape])`, without the values. */
  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}])`;
  }
}
