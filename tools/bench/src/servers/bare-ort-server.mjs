// Child process, plain Node: the cold-start floor. It imports onnxruntime-node (the package's own copy),
// creates the mnist session from the package's models/mnist/1/model.onnx with onnxruntime's defaults, and
// answers POST requests whose JSON body is `{"data": [[784 numbers]]}` with the argmax, as `[7]`. No
// routing, validation, cache or settings: what any server of this model must do before its first answer.
// Usage: node bare-ort-server.mjs <package folder>; PORT (0: any). Prints a ready line once listening.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bare-ort-server.mjs <package folder>');
const ort = createRequire(join(dir, 'package.json'))('onnxruntime-node');
const session = await ort.InferenceSession.create(join(dir, 'models/mnist/1/model.onnx'));
const [inputName] = session.inputNames;
const [outputName] = session.outputNames;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const row = Float32Array.from(JSON.parse(Buffer.concat(chunks).toString('utf8')).data[0]);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', row, [1, row.length]) });
      const p = out[outputName].data;
      const digit = p.indexOf(Math.max(...p));
      const text = `[${digit}]`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length }).end(text);
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e) }));
    }
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`,
  );
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
