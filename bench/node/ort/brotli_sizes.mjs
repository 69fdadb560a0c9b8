// Prints the brotli size (quality 11, what hosts precompress with) of each
// file named on the command line, as a JSON array, for bench/.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

const sizes = process.argv.slice(2).map((f) => brotliCompressSync(readFileSync(f), {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: 0 },
}).length);
console.log(JSON.stringify(sizes));
