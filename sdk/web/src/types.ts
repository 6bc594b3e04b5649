// The shapes the SDK exchanges with Herald (API.md "Client API", "Message → in_app") and between its own parts.
// Server and SDK agree on these; change them together with docs/api.md.

/** A block of an in-app step, already rendered by the server (Liquid resolved). */
export type Block =
  | { type: "text"; text: string }
  | { type: "image"; url: string; alt?: string }
  | { type: "button"; id: string; label: string; action: string; url?: string }
  | { type: "input"; id: string; inputType: "text" | "email" | "number"; label: string; required?: boolean; placeholder?: string }
  | { type: "rating"; id: string; scale: 5 | 10; label?: string }
  | { type: "choice"; id: string; options: string[]; multiple?: boolean; label?: string };

export interface Step {
  id?: string;
  blocks: Block[];
}

/** How often one person may see one message: once, once per session, always, or at most `max` per ISO `per`. */
export type Frequency = "once" | "once_per_session" | "always" | { max: number; per: string };

export interface Display {
  pages?: string[];
  excludePages?: string[];
  afterSeconds?: number;
  onEvent?: string;
  frequency?: Frequency;
  priority?: number;
  expiresAfter?: string;
}

export type Format = "modal" | "banner" | "slide_in" | "tooltip" | "inline" | "fullscreen";

/** One eligible in-app delivery (GET /v1/inapp/messages `data[]`, SSE `event: message`). */
export interface InAppMessage {
  deliveryId: string;
  campaignId: string | null;
  format: Format;
  position?: string;
  anchor?: string;
  placement?: string;
  steps: Step[];
  display: Display;
  style?: Record<string, unknown>;
  priority: number;
  expiresAt: string | null;
  createdAt: string;
  anonymous?: boolean;
}

/** The workspace's global styles (API.md "Settings → styles"), complete: GET /v1/inapp/messages `styles`. */
export interface Styles {
  colors: Record<string, string>;
  darkMode: { mode: "auto" | "light" | "dark"; colors: Record<string, string> };
  fonts: { family: string; sizes: Record<string, string>; weights: Record<string, number> };
  radii: Record<string, string>;
  spacing: Record<string, string>;
}

/** A person's interaction with a message, reported with POST /v1/inapp/events ("step": a step was reached, `step` from 1). */
export type InAppEventType = "shown" | "clicked" | "dismissed" | "submitted" | "step";

export interface InAppEvent {
  deliveryId: string;
  type: InAppEventType;
  buttonId?: string;
  step?: number;
  answers?: Record<string, unknown>;
}

/** Durable key/value storage (localStorage when it works, memory otherwise). */
export interface Store {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** What the in-app part needs from the rest of the SDK. Tests give fakes of these. */
export interface InAppDeps {
  window: Window;
  store: Store;
  now(): number;
  /** Reports an interaction to Herald (queued and retried by the transport). */
  report(event: InAppEvent): void;
  /** Emits a public callback (`show`, `click`, `dismiss`, `submit`). */
  emit(type: CallbackType, payload: CallbackPayload): void;
  /** Least time between two blocking messages (modal, fullscreen), from one closing to the next showing; 30 s. */
  minGapMs?: number;
}

export type CallbackType = "show" | "click" | "dismiss" | "submit";

export interface CallbackPayload {
  message: InAppMessage;
  buttonId?: string;
  step?: number;
  answers?: Record<string, unknown>;
  url?: string;
}

/** The in-app part as the core drives it. */
export interface InApp {
  /** The eligible set from the server (full list: messages absent from it and not yet shown are dropped). */
  replace(messages: InAppMessage[]): void;
  /** One new message from the stream. */
  add(message: InAppMessage): void;
  /** Removes a message wherever it is shown or queued. */
  withdraw(deliveryId: string): void;
  setStyles(styles: Styles): void;
  /** The page (URL path or screen name) changed; display rules are re-checked. */
  page(location: string): void;
  /** A client-side event happened (display.onEvent). */
  event(name: string, properties?: Record<string, unknown>): void;
  pause(): void;
  resume(): void;
  /** Removes every message, shown or queued, without reporting anything (sign-out: the next person sees none). */
  clear(): void;
  /** Removes everything it rendered and its listeners. */
  destroy(): void;
}
