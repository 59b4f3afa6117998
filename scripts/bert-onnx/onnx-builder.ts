/**
 * A minimal ONNX graph builder on top of the `onnx-proto` message classes.
 *
 * onnx-proto is the protobufjs static code generated from onnx.proto3 (ONNX
 * 1.10, IR version 8). It has no graph-building helpers, so this file provides
 * the few we need: initializers from typed arrays, nodes with unique names, and
 * value infos with symbolic dimensions.
 */
import { endianness } from 'node:os';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';

// onnx-proto is CommonJS whose exports are assigned as one object, which
// Node's ESM named-export detection cannot see; the default import is the
// module.exports object and works under both tsx and compiled output.
export const { onnx } = onnxProto;

export const DataType = onnx.TensorProto.DataType;
export type DataTypeValue = proto.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

/**
 * IR version 8 is the newest onnx-proto can express and the newest that
 * onnxruntime 1.14 (bundled by @xenova/transformers 2.17) accepts.
 */
export const IR_VERSION = 8;

/** LayerNormalization became a standard ONNX operator in opset 17. */
export const OPSET = 17;

/** A dimension is either fixed or a named symbolic size such as "batch_size". */
export type Dim = number | string;

// ONNX raw_data is little-endian; the typed arrays below are written as-is, so
// refuse to run on a big-endian host instead of emitting a corrupt model.
if (endianness() !== 'LE') {
  throw new Error('bert-onnx: typed arrays are written as ONNX raw_data, which requires a little-endian host');
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function intAttr(name: string, value: number): proto.IAttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

export function intsAttr(name: string, values: readonly number[]): proto.IAttributeProto {
  return { name, type: AttributeType.INTS, ints: [...values] };
}

export function floatAttr(name: string, value: number): proto.IAttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}

export function tensorValueInfo(name: string, elemType: DataTypeValue, dims: readonly Dim[]): proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: proto.INodeProto[] = [];
  private readonly initializers: proto.ITensorProto[] = [];
  private readonly names = new Set<string>();

  /** Claims a tensor or node name, failing loudly on accidental reuse (ONNX requires SSA names). */
  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX name: ${name}`);
    this.names.add(name);
    return name;
  }

  private addInitializer(name: string, dataType: DataTypeValue, dims: readonly number[], data: ArrayBufferView): string {
    this.initializers.push({ name: this.claim(name), dataType, dims: [...dims], rawData: bytesOf(data) });
    return name;
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    return this.addInitializer(name, DataType.FLOAT, dims, data);
  }

  int8(name: string, dims: readonly number[], data: Int8Array): string {
    return this.addInitializer(name, DataType.INT8, dims, data);
  }

  int64(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.addInitializer(
      name,
      DataType.INT64,
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** A scalar (rank-0) float constant. */
  scalar(name: string, value: number): string {
    return this.float(name, [], Float32Array.of(value));
  }

  /** True if the name is taken; lets callers store shared constants (shapes, perms) once. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Adds a node with one output named after the node, and returns that output's name. */
  op(opType: string, name: string, inputs: readonly string[], attributes: proto.IAttributeProto[] = []): string {
    const [output] = this.opMulti(opType, name, inputs, 1, attributes);
    return output as string;
  }

  /** Adds a node with several outputs (e.g. DynamicQuantizeLinear's value, scale and zero point). */
  opMulti(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputCount: number,
    attributes: proto.IAttributeProto[] = [],
  ): string[] {
    const nodeName = this.claim(name);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.claim(`${name}_output_${i}`));
    this.nodes.push({ name: nodeName, opType, domain: '', input: [...inputs], output: outputs, attribute: attributes });
    return outputs;
  }

  /** Declares a graph output by routing `source` through an Identity with the public name. */
  output(source: string, name: string): string {
    this.nodes.push({ name: this.claim(`${name}/Identity`), opType: 'Identity', input: [source], output: [this.claim(name)] });
    return name;
  }

  /** Marks a graph-input name as taken so nodes cannot shadow it. */
  input(name: string): string {
    return this.claim(name);
  }

  build(name: string, inputs: proto.IValueInfoProto[], outputs: proto.IValueInfoProto[]): proto.IGraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: inputs, output: outputs };
  }
}

export interface ModelMetadata {
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  /** Written as metadata_props so any ONNX tool (and our service) can see where it came from (a stand-in, an import). */
  readonly props: Readonly<Record<string, string>>;
}

/** Serialises a graph into ONNX model bytes. */
export function encodeModel(graph: proto.IGraphProto, meta: ModelMetadata): Uint8Array {
  const model: proto.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: meta.producerName,
    producerVersion: meta.producerVersion,
    docString: meta.docString,
    graph,
    // Sorted so the bytes do not depend on object key insertion order.
    metadataProps: Object.keys(meta.props)
      .sort()
      .map((key) => ({ key, value: meta.props[key] ?? '' })),
  };
  return onnx.ModelProto.encode(model).finish();
}
