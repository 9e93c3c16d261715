// Compile GOV.UK Frontend for Joined Up: a local-partnership service, so no GDS Transport
// font (licensed for GOV.UK only) and no crown. Output goes to joinedup/web/static/govuk/,
// which Django's staticfiles serves as /static/govuk/.
import { compile } from "sass";
import { cpSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "joinedup", "web", "static", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = compile(join(root, "joinedup", "web", "scss", "entry.scss"), {
  loadPaths: [join(root, "node_modules", "govuk-frontend", "dist"), join(root, "joinedup", "web", "scss")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "joinedup.css"), result.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images", "favicon.ico"), join(out, "favicon.ico"));
console.log(`Built ${join(out, "joinedup.css")} (${result.css.length} bytes)`);
