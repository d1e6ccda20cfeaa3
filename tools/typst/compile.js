// Compiles one Typst file to PDF with typst.ts's Node binding (the typst
// compiler built for Node; fonts are embedded, nothing is downloaded).
// Usage: node compile.js input.typ output.pdf
const { NodeCompiler } = require('@myriaddreamin/typst-ts-node-compiler');
const fs = require('fs');
const path = require('path');
const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: typst compile input.typ output.pdf');
  process.exit(2);
}
try {
  const compiler = NodeCompiler.create({ workspace: path.dirname(path.resolve(input)) });
  fs.writeFileSync(output, compiler.pdf({ mainFileContent: fs.readFileSync(input, 'utf8') }));
} catch (e) {
  console.error('typst: ' + (e.code || e.message || e));
  process.exit(1);
}
