// The gateway simulator's control service (lintel.sim.Control), called over plain gRPC with
// Node's own HTTP/2 client: the tests take a device offline and bring it back as a network
// fault would. The simulator's address comes from `cargo xtask e2e` (LINTEL_GATEWAY_URL).
import http2 from "node:http2";

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

async function call(method: string, message: Buffer): Promise<void> {
  const url = process.env.LINTEL_GATEWAY_URL;
  if (!url) throw new Error("LINTEL_GATEWAY_URL is not set (run through cargo xtask e2e)");
  const client = http2.connect(url);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length);
  const frame = Buffer.concat([Buffer.from([0]), length, message]);
  try {
    await new Promise<void>((resolve, reject) => {
      const request = client.request({
        ":method": "POST",
        ":path": `/lintel.sim.Control/${method}`,
        "content-type": "application/grpc",
        te: "trailers",
      });
      let status: string | undefined;
      request.on("response", (headers) => (status ??= headers["grpc-status"] as string | undefined));
      request.on("trailers", (trailers) => (status = trailers["grpc-status"] as string | undefined));
      request.on("data", () => {});
      request.on("end", () => (status === "0" ? resolve() : reject(new Error(`${method}: grpc-status ${status}`))));
      request.on("error", reject);
      request.end(frame);
    });
  } finally {
    client.close();
  }
}

/// SetOnline{deviceID = 1, online = 2}.
export async function setOnline(deviceId: number, online: boolean): Promise<void> {
  await call("SetOnline", Buffer.from([0x08, ...varint(deviceId), 0x10, online ? 1 : 0]));
}
