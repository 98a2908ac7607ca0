// The message is read once, at start: seeing an edit takes a restart (node --watch) or a new image.
const http = require('node:http');
const { message } = require('./message.js');

const server = http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : message));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
