// Trains the MNIST MLP, writes the ONNX model and records its sha256 in the model's config.json.
// Run: npm run train -- [--out models/mnist/1/model.onnx] [--seed 1234] [--epochs N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseCliArgs, trainedByCommand, USAGE } from './cli-args.js';
import { configTarget, updateModelConfig } from './model-config.js';
import { DEFAULT_MODEL_PATH } from './paths.js';
import { trainMnist } from './pipeline.js';

function main(argv: string[]): void {
  const args = parseCliArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const out = args.out === undefined ? DEFAULT_MODEL_PATH : resolve(args.out);
  const o = args.train;
  console.log(
    `training 784-${o.hiddenSize}-10 MLP: seed ${o.seed}, ${o.epochs} epochs, batch ${o.batchSize}, ` +
      `lr ${o.learningRate} (linear decay), momentum ${o.momentum}`,
  );
  const run = trainMnist(o, (e) =>
    console.log(`epoch ${e.epoch}/${o.epochs}  loss ${e.meanLoss.toFixed(4)}  ${e.seconds.toFixed(1)}s`),
  );
  console.log(
    `trained in ${run.trainSeconds.toFixed(1)}s; test accuracy ${(run.testAccuracy * 100).toFixed(2)}%`,
  );

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, run.onnx);
  console.log(`wrote ${out} (${run.onnx.length} bytes)`);
  console.log(`sha256 ${run.sha256}`);

  const target = configTarget(out);
  if (!target) {
    console.log(`not updating config.json: ${out} is not laid out as <model>/<version>/model.onnx`);
    return;
  }
  updateModelConfig(
    target.configPath,
    target.version,
    {
      sha256: run.sha256,
      test_accuracy: Math.round(run.testAccuracy * 10000) / 10000,
      trained_by: trainedByCommand(o),
    },
    target.name,
  );
  console.log(`updated ${target.configPath} version ${target.version}`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`train-mnist: ${(err as Error).message}`);
  process.exitCode = 1;
}
