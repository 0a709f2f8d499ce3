// A small command-line front to typage (npm `age-encryption`), an age implementation that is not
// ours, for Postern's interop tests (tests/e2e/pq.rs) and derivation check
// (tests/vectors/check_derivation.py). Input on stdin, output on stdout, errors on stderr with a
// non-zero exit.
//
//   node typage.mjs keygen                      identity line, then recipient line (hybrid)
//   node typage.mjs recipient IDENTITY          the identity's recipient
//   node typage.mjs encrypt RECIPIENT...        stdin sealed to the recipients
//   node typage.mjs decrypt IDENTITY...         stdin opened with the identities
//   node typage.mjs decrypt-passphrase PASS     stdin opened with a passphrase (age -p files)
import * as age from "age-encryption";

async function stdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return new Uint8Array(Buffer.concat(chunks));
}

const [cmd, ...args] = process.argv.slice(2);
try {
  if (cmd === "keygen") {
    const id = await age.generateHybridIdentity();
    process.stdout.write(`${id}\n${await age.identityToRecipient(id)}\n`);
  } else if (cmd === "recipient") {
    process.stdout.write(`${await age.identityToRecipient(args[0])}\n`);
  } else if (cmd === "encrypt") {
    const e = new age.Encrypter();
    for (const r of args) e.addRecipient(r);
    process.stdout.write(await e.encrypt(await stdin()));
  } else if (cmd === "decrypt") {
    const d = new age.Decrypter();
    for (const i of args) d.addIdentity(i);
    process.stdout.write(await d.decrypt(await stdin(), "uint8array"));
  } else if (cmd === "decrypt-passphrase") {
    const d = new age.Decrypter();
    d.addPassphrase(args[0]);
    process.stdout.write(await d.decrypt(await stdin(), "uint8array"));
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
} catch (e) {
  process.stderr.write(`typage: ${e.message}\n`);
  process.exit(1);
}
