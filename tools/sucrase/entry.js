// What the bundle exposes: one function that strips TypeScript's types, keeping every line where it was.
import { transform } from "sucrase";

globalThis.stripTypes = function (source, fileName) {
  return transform(source, { transforms: ["typescript"], filePath: fileName, disableESTransforms: true }).code;
};
