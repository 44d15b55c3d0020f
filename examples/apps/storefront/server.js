// The storefront example: one page, a log line per request (the Logs tab shows it).
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const greeting = process.env.GREETING || 'hello';

http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${greeting} from storefront (node)\n`);
    console.log(`storefront served ${req.method} ${req.url}`);
  })
  .listen(port, () => console.log(`storefront listening on ${port}`));
