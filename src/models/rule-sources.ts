// Where the model table's rules come from, and how sure each is (confirmed: OpenAI's own reference,
// spec or SDK types, or an error body we hold; reported: secondary sources only). A request that
// breaks a confirmed rule is refused before sending; one that breaks a reported rule is sent with a
// warning (--strict refuses). `imgcli models <model>` shows them. Reference sections 2, 3 and the
// [2026-12-06] notes on GPT Image 2.6.
import type { Sourced } from './providers.js';

const SPEC = "OpenAI's openapi spec and images reference";
const REF_2_6 = "OpenAI's images generate and edit reference, as stored 2026-11-11";

const confirmed = (source: string, checked = '2026-12-06'): Sourced => ({ confidence: 'confirmed', source, checked });
const reported = (source: string, checked = '2026-12-06'): Sourced => ({ confidence: 'reported', source, checked });

export const RULE_SOURCES = {
  /** Sizes, qualities, counts, formats, backgrounds, compression, moderation, streaming of every family. */
  parameters: confirmed(SPEC, '2026-12-01'),
  /** The shutdown dates of the table. */
  dates: confirmed("OpenAI's deprecations page", '2026-12-01'),
  /** quality xhigh and max on 2.5 and 2.6. */
  xhighMax: reported('relay and guide pages, consistent across many; in no OpenAI schema yet'),
  /**
   * 2.6's complexity, gif and svg outputs, frame_count 2-16 (default 9), frame_duration_ms from 20;
   * a GIF is not streamed, takes no mask and no custom output_compression.
   */
  gptImage26: confirmed(REF_2_6),
  /** The svg object of generations: svg.model (the author) and svg.reasoning.effort. */
  svgObject: confirmed(`${REF_2_6}; the Ruby SDK's OpenAI::Models::ImageGenerateParams::Svg`),
  /** What a 403 for GIFs means: the account lacks GIF preview access for the model. */
  gifPreview: confirmed(`${REF_2_6} ("requires GIF preview access for the selected model")`),
  /** 2.6 has no bare alias and no dated snapshot. */
  models26: confirmed("OpenAI's GPT Image 2.6 model pages (gpt-image-2.6-flare and -sunburst only)"),
  /** GIF output of edits: OpenAI's edit reference lists frame_count; one relay says generations only. */
  gifEdits: reported(`one relay says GIF output is for generations only; ${REF_2_6} lists frame_count for edits too`),
  /** markup on 2.6 edits: a transparent PNG over the first image, not with a mask. */
  markup: reported('four consistent secondary sources (relay, gateway and MCP docs); in no OpenAI SDK yet'),
  /** safety_identifier: the successor of user on image requests. */
  safetyIdentifier: reported("two MCP servers' schemas"),
  /** The SVG author's tokens billed at its own rates, and those rates (prices.ts AUTHOR_RATES). */
  svgAuthorRates: reported(
    "a relay's SVG notes (the author billed at its own rates); OpenAI's gpt-5 text prices of 2025-08 as quoted",
  ),
  /** The Batch API and 2.6 models. */
  batch26: reported(
    'one relay: "Batch is not supported in 2.6; keep nightly batches on 2.5"; OpenAI\'s 2.6 pages do not say',
  ),
  /** All frames of one GIF on one sheet within one image's budget. */
  frameSheet: reported(
    'one relay: "six 1024x1024 frames were refused, the sheet would be 4096 px"; layout not documented by OpenAI',
  ),
  /** input_fidelity: gpt-image-1 family only; gpt-image-2 answers 400. */
  inputFidelity: confirmed("the API's 400 invalid_input_fidelity_model (an error body we hold)", '2026-12-01'),
} as const satisfies Record<string, Sourced>;
