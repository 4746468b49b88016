// The SQS peer for benchmarks: local-aws-sqs 2.0.2 (npm) on 127.0.0.1:PORT (argv[2], default 4576).
// Run from a folder where `npm install local-aws-sqs@2.0.2` was done: node sqs_peer.js 4576
const { createSqsServer } = require("local-aws-sqs");
const port = Number(process.argv[2] || 4576);
createSqsServer({ port, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false })
  .then(() => console.log(`local-aws-sqs ready on http://127.0.0.1:${port}`));
