/**
 * grpc.health.v1 Check on a grpc-js channel, without the grpc-health-check package: the request
 * and answer are one string and one enum field, encoded here by hand.
 */
import { Metadata, type Client, type ServiceError } from "@grpc/grpc-js";

const checkPath = "/grpc.health.v1.Health/Check";
/** HealthCheckResponse.ServingStatus.SERVING. */
const serving = 1;

/** HealthCheckRequest { service = 1 }; the name is short, so its length is one byte. */
function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, "utf8");
  if (name.length > 127)
    throw new RangeError("a service name over 127 bytes needs a longer length prefix");
  return name.length === 0 ? Buffer.alloc(0) : Buffer.from([0x0a, name.length, ...name]);
}

/** HealthCheckResponse { status = 1 }: absent means UNKNOWN (0). */
function decodeStatus(bytes: Buffer): number {
  return bytes.length >= 2 && bytes[0] === 0x08 ? bytes[1]! : 0;
}

/** Resolves true when `service` answered SERVING within `deadlineMs`; rejects with the gRPC error otherwise. */
export function checkHealth(client: Client, service: string, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      checkPath,
      encodeRequest,
      decodeStatus,
      service,
      new Metadata(),
      { deadline: new Date(Date.now() + deadlineMs) },
      (err: ServiceError | null, answer?: number) =>
        err ? reject(err) : resolve(answer === serving),
    );
  });
}
