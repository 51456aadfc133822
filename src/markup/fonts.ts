// markup's labels draw their text through the Fontconfig file of src/image/fonts.ts, as the offline
// server's do: one module keeps sharp's Fontconfig quiet for every text imgcli draws.
export {
  SYSTEM_FONTCONFIG,
  defaultFontDirs,
  fontconfigDir,
  fontconfigXml,
  quietFontconfig,
  type FontconfigSetup,
  type QuietOptions,
} from '../image/fonts.js';
