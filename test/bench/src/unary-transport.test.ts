import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Server,
  ServerCredentials,
  status,
  type ServiceDefinition,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { grpcCodeName } from "./grpc-code-name.js";
import { transportNames, type UnaryMethod, type UnaryTransport } from "./unary-transport.js";
import { createTransport } from "./workloads.js";

const bytes = (path: string): UnaryMethod<Buffer, Buffer> & ServiceDefinition[string] => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: (value: Buffer) => value,
  requestDeserialize: (value: Buffer) => value,
  responseSerialize: (value: Buffer) => value,
  responseDeserialize: (value: Buffer) => value,
});

const testService = {
  Echo: bytes("/bench.test.Probe/Echo"),
  Fail: bytes("/bench.test.Probe/Fail"),
  Hang: bytes("/bench.test.Probe/Hang"),
} satisfies ServiceDefinition;

const failureDetails = 'no such thing: ü 100% "quoted"';
const check = healthService.Check as unknown as UnaryMethod<
  { service: string },
  { status: string }
>;

let server: Server;
let address: string;
/** A port nothing listens on. */
let deadAddress: string;

beforeAll(async () => {
  server = new Server();
  server.addService(testService, {
    Echo: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
      callback(null, call.request),
    Fail: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
      callback({ code: status.NOT_FOUND, details: failureDetails }),
    Hang: () => {},
  });
  new HealthImplementation({ "": "SERVING" }).addToServer(server);
  const bind = (target: Server) =>
    new Promise<number>((resolve, reject) =>
      target.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  address = `127.0.0.1:${await bind(server)}`;
  const closed = new Server();
  deadAddress = `127.0.0.1:${await bind(closed)}`;
  closed.forceShutdown();
});

afterAll(() => server.forceShutdown());

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; details: string }> {
  const err: unknown = await promise.then(
    () => expect.unreachable("the call succeeded"),
    (e: unknown) => e,
  );
  return { code: grpcCodeName(err), details: (err as { details?: string }).details ?? "" };
}

describe.each(transportNames)("the %s transport", (name) => {
  let transport: UnaryTransport;
  beforeAll(async () => {
    transport = createTransport(name, address, 2_000);
    await transport.waitForReady(5_000);
  });
  afterAll(() => transport.close());

  it("returns each concurrent call its own decoded answer", async () => {
    const requests = Array.from({ length: 300 }, (_, i) =>
      Buffer.from(`request ${i} `.repeat(i % 7)),
    );
    const answers = await Promise.all(
      requests.map((request) => transport.call(testService.Echo, request)),
    );
    answers.forEach((answer, i) => expect(answer.equals(requests[i]!)).toBe(true));
  });

  it("decodes a protobuf answer with the method's deserializer", async () => {
    await expect(transport.call(check, { service: "" })).resolves.toMatchObject({
      status: "SERVING",
    });
  });

  it("rejects with the server's status code and details", async () => {
    expect(await failureOf(transport.call(testService.Fail, Buffer.alloc(0)))).toEqual({
      code: "NOT_FOUND",
      details: failureDetails,
    });
    expect((await failureOf(transport.call(check, { service: "nope" }))).code).toBe("NOT_FOUND");
    expect(
      (await failureOf(transport.call(bytes("/bench.test.Probe/Missing"), Buffer.alloc(0)))).code,
    ).toBe("UNIMPLEMENTED");
  });

  it("gives up at the deadline with DEADLINE_EXCEEDED", async () => {
    const impatient = createTransport(name, address, 200);
    try {
      expect((await failureOf(impatient.call(testService.Hang, Buffer.from("x")))).code).toBe(
        "DEADLINE_EXCEEDED",
      );
      // The cancelled stream does not spoil the connection for the next call.
      await expect(impatient.call(testService.Echo, Buffer.from("after"))).resolves.toEqual(
        Buffer.from("after"),
      );
    } finally {
      impatient.close();
    }
  });

  it("answers UNAVAILABLE when nothing listens", async () => {
    const nowhere = createTransport(name, deadAddress, 1_000);
    try {
      await expect(nowhere.waitForReady(300)).rejects.toThrow();
      expect((await failureOf(nowhere.call(testService.Echo, Buffer.from("x")))).code).toMatch(
        /UNAVAILABLE|DEADLINE_EXCEEDED/,
      );
    } finally {
      nowhere.close();
    }
  });
});
