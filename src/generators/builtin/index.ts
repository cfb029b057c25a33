import type { Generator } from "../Generator.js";
import { audioTone } from "./audioTone.js";
import { imageFromPrompt } from "./imageFromPrompt.js";
import { imageTransform } from "./imageTransform.js";
import { textFromPrompt } from "./textFromPrompt.js";

/** Generators that need no network and no keys; enabled unless a config file says otherwise. */
export const builtinGenerators: Generator[] = [imageFromPrompt, imageTransform, audioTone, textFromPrompt] as Generator[];
