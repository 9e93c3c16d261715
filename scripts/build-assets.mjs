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
// GOV.UK Frontend's footer CSS points at the royal crest. Joined Up is not a GOV.UK service and
// never shows it, but production's manifest storage refuses a stylesheet whose url() is missing:
// an empty image keeps the reference valid without the crest.
mkdirSync(join(out, "assets", "images"), { recursive: true });
writeFileSync(
  join(out, "assets", "images", "govuk-crest.svg"),
  '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" aria-hidden="true"></svg>\n',
);
console.log(`Built ${join(out, "joinedup.css")} (${result.css.length} bytes)`);
