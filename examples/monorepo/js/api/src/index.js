// Public entry point of @example/api: re-exports the code that
// `buf generate` (protoc-gen-es) writes to ./gen. Do not edit ./gen by hand.
import { create } from "@bufbuild/protobuf";
import { OrderSchema } from "./gen/acme/orders/v1/order_pb.js";

export * from "./gen/acme/common/v1/money_pb.js";
export * from "./gen/acme/orders/v1/order_pb.js";

/** Builds an acme.orders.v1.Order from a plain init object. */
export function createOrder(init) {
  return create(OrderSchema, init);
}
