//! The seeded app catalog: which apps exist, their triggers, write actions and input fields.
//!
//! The catalog is static data shared by trigger discovery (`/triggers/`, `/trigger-input-fields/`),
//! inbox validation (required inputs, known app and trigger), the Partner API (`/v2/apps`,
//! `/v2/actions`, inputs/choices/outputs) and the control API's event routing (app by slug or key).

/// Kind of an action, as the Partner API names it (`READ` = trigger, `WRITE` = action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionType {
    /// A trigger (subscribable by a Trigger Inbox).
    Read,
    /// A create/update action.
    Write,
    /// A search.
    Search,
}

impl ActionType {
    /// Wire name (`READ`, `WRITE`, `SEARCH`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ActionType::Read => "READ",
            ActionType::Write => "WRITE",
            ActionType::Search => "SEARCH",
        }
    }
}

/// One input field of an action.
#[derive(Debug)]
pub(crate) struct Field {
    /// Field key (the key in `inputs`).
    pub key: &'static str,
    /// Label.
    pub title: &'static str,
    /// `STRING`, `BOOLEAN`, `INTEGER`, ...
    pub value_type: &'static str,
    /// `SELECT` (choices available) or `TEXT` (free input).
    pub format: &'static str,
    /// Must be present in `inputs`.
    pub required: bool,
    /// Help text.
    pub description: Option<&'static str>,
    /// Value used when absent.
    pub default_value: Option<&'static str>,
    /// `(value, label)` choices for `SELECT` fields.
    pub choices: &'static [(&'static str, &'static str)],
}

impl Field {
    /// A required free-text `STRING` input.
    const fn text(key: &'static str, title: &'static str) -> Field {
        Field {
            key,
            title,
            value_type: "STRING",
            format: "TEXT",
            required: true,
            description: None,
            default_value: None,
            choices: &[],
        }
    }

    /// A required `SELECT` input of `value_type` offering `choices`.
    const fn select(
        key: &'static str,
        title: &'static str,
        value_type: &'static str,
        choices: &'static [(&'static str, &'static str)],
    ) -> Field {
        Field {
            format: "SELECT",
            value_type,
            choices,
            ..Field::text(key, title)
        }
    }

    /// The same field, optional.
    const fn optional(self) -> Field {
        Field {
            required: false,
            ..self
        }
    }

    /// The same field, with help text.
    const fn described(self, description: &'static str) -> Field {
        Field {
            description: Some(description),
            ..self
        }
    }

    /// The same field, with a value used when absent.
    const fn defaulting(self, value: &'static str) -> Field {
        Field {
            default_value: Some(value),
            ..self
        }
    }
}

/// One action (trigger, write or search) of an app.
#[derive(Debug)]
pub(crate) struct Action {
    /// Stable key (`channel_message`).
    pub key: &'static str,
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Kind.
    pub action_type: ActionType,
    /// Input fields.
    pub inputs: &'static [Field],
    /// Output fields.
    pub outputs: &'static [Output],
}

/// `(id, title, sample)` of an output field.
type Output = (&'static str, &'static str, &'static str);

impl Action {
    /// An action of `action_type`, with no input and no output field yet.
    const fn new(
        action_type: ActionType,
        key: &'static str,
        title: &'static str,
        description: &'static str,
    ) -> Action {
        Action {
            key,
            title,
            description,
            action_type,
            inputs: &[],
            outputs: &[],
        }
    }

    /// An instant trigger (`READ`).
    const fn trigger(key: &'static str, title: &'static str, description: &'static str) -> Action {
        Action::new(ActionType::Read, key, title, description)
    }

    /// A create/update action (`WRITE`).
    const fn write(key: &'static str, title: &'static str, description: &'static str) -> Action {
        Action::new(ActionType::Write, key, title, description)
    }

    /// A search (`SEARCH`).
    const fn search(key: &'static str, title: &'static str, description: &'static str) -> Action {
        Action::new(ActionType::Search, key, title, description)
    }

    /// The same action, taking `inputs`.
    const fn with_inputs(self, inputs: &'static [Field]) -> Action {
        Action { inputs, ..self }
    }

    /// The same action, giving `outputs`.
    const fn with_outputs(self, outputs: &'static [Output]) -> Action {
        Action { outputs, ..self }
    }

    /// Whether a Trigger Inbox can subscribe to it (only instant triggers can).
    pub(crate) fn is_trigger(&self) -> bool {
        self.action_type == ActionType::Read
    }
}

/// An app of the catalog.
#[derive(Debug)]
pub(crate) struct App {
    /// UUID id used by the Partner API.
    pub id: &'static str,
    /// Versionless implementation key (`SlackCLIAPI`).
    pub key: &'static str,
    /// Latest published version.
    pub version: &'static str,
    /// Slug (`slack`).
    pub slug: &'static str,
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Brand colour.
    pub hex_color: &'static str,
    /// Category slugs.
    pub categories: &'static [&'static str],
    /// Whether triggers and actions need a connection (Webhooks by Zapier does not).
    pub needs_connection: bool,
    /// Actions.
    pub actions: &'static [Action],
}

impl App {
    /// The fully versioned key an inbox stores (`SlackCLIAPI@1.0.0`).
    pub(crate) fn versioned_key(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }

    /// Finds an action by key.
    pub(crate) fn action(&self, key: &str) -> Option<&'static Action> {
        self.actions.iter().find(|a| a.key == key)
    }

    /// The app's triggers.
    pub(crate) fn triggers(&self) -> impl Iterator<Item = &'static Action> {
        self.actions.iter().filter(|a| a.is_trigger())
    }
}

const CHANNELS: &[(&str, &str)] = &[
    ("C0123ABC456", "#general"),
    ("C1", "#random"),
    ("C2", "#support"),
];
/// The Slack channel picker, shared by the new-message trigger and the send action.
const CHANNEL: Field = Field::select("channel", "Channel", "STRING", CHANNELS)
    .described("Only channels you are a member of will appear in this list.");
const USERS: &[(&str, &str)] = &[("U0123456", "ada"), ("U0654321", "grace")];
const YES_NO: &[(&str, &str)] = &[("yes", "Yes"), ("no", "No")];
const LISTEN_FOR_BOTS: Field = Field::select(
    "listen_for_bots",
    "Trigger for Bot Messages?",
    "BOOLEAN",
    YES_NO,
)
.optional()
.defaulting("no");
const MESSAGE_TEXT: Field = Field::text("text", "Message Text");

/// Outputs several Slack actions give, with the same sample.
const OUT_TS: Output = ("ts", "Timestamp", "1716292860.000100");
const OUT_CHANNEL: Output = ("channel", "Channel", "C0123ABC456");
const OUT_USER: Output = ("user", "User", "U0123456");

/// Slack (`SlackCLIAPI@1.0.0`).
pub(crate) static SLACK: App = App {
    id: "81f613aa-c98a-4383-a5fc-195e68647217",
    key: "SlackCLIAPI",
    version: "1.0.0",
    slug: "slack",
    title: "Slack",
    description: "Slack is a platform for team communication.",
    hex_color: "4a154b",
    categories: &["team-chat", "communication"],
    needs_connection: true,
    actions: &[
        Action::trigger(
            "channel_message",
            "New Message Posted to Channel",
            "Triggers when a new message is posted to a specific #channel you choose.",
        )
        .with_inputs(&[CHANNEL, LISTEN_FOR_BOTS])
        .with_outputs(&[
            ("text", "Text", "Hello from Slack"),
            OUT_USER,
            OUT_CHANNEL,
            OUT_TS,
        ]),
        Action::trigger(
            "mention",
            "New Mention",
            "Triggers when a username or highlight word is mentioned in a public #channel.",
        )
        .with_inputs(&[Field::text("highlight_word", "Highlight Word")
            .optional()
            .described("Leave blank to trigger on mentions of your username.")])
        .with_outputs(&[
            ("text", "Text", "@ada have a look"),
            ("user", "User", "U0654321"),
            ("channel", "Channel", "C1"),
        ]),
        Action::write(
            "send_channel_message",
            "Send Channel Message",
            "Posts a new message to a specific #channel you choose.",
        )
        .with_inputs(&[CHANNEL, MESSAGE_TEXT.described("The message to post.")])
        .with_outputs(&[OUT_TS, OUT_CHANNEL, ("text", "Text", "Hello")]),
        Action::write(
            "send_direct_message",
            "Send Direct Message",
            "Sends a direct message to a user.",
        )
        .with_inputs(&[
            Field::select("user", "To Username", "STRING", USERS),
            MESSAGE_TEXT,
        ])
        .with_outputs(&[OUT_TS, OUT_USER]),
        Action::search(
            "find_user_by_email",
            "Find User by Email",
            "Finds a user by their email address.",
        )
        .with_inputs(&[Field::text("email", "Email")])
        .with_outputs(&[("id", "User ID", "U0123456"), ("name", "Name", "ada")]),
    ],
};

const HOOK_INPUTS: &[Field] = &[
    Field::text("_zap_static_hook_code", "Hook code")
        .described("Random code that forms the catch URL `/hooks/catch/{account}/{code}/`."),
    Field::text("_zap_static_hook_seed", "Hook seed")
        .described("Random seed kept with the subscription."),
];

/// Webhooks by Zapier (`WebHookCLIAPI`), no connection needed.
pub(crate) static WEBHOOK: App = App {
    id: "3e2c3b8a-4f4d-4b1e-9d6a-7c5a2f0e1b11",
    key: "WebHookCLIAPI",
    version: "1.0.0",
    slug: "webhook",
    title: "Webhooks by Zapier",
    description: "Catch and send webhooks.",
    hex_color: "ff4a00",
    categories: &["developer-tools"],
    needs_connection: false,
    actions: &[
        Action::trigger(
            "hook_v2",
            "Catch Hook",
            "Triggers when a POST, PUT or GET request is made to a Zapier URL.",
        )
        .with_inputs(HOOK_INPUTS),
        Action::trigger(
            "hook_raw",
            "Catch Raw Hook",
            "Triggers with the raw body of a request made to a Zapier URL.",
        )
        .with_inputs(HOOK_INPUTS),
    ],
};

/// Every app, in listing order.
pub(crate) static APPS: &[&App] = &[&SLACK, &WEBHOOK];

/// Resolves an app reference: UUID id, slug, versionless key, `key@latest` or `key@version`.
pub(crate) fn resolve_app(reference: &str) -> Option<&'static App> {
    let (key, version) = match reference.split_once('@') {
        Some((k, v)) => (k, Some(v)),
        None => (reference, None),
    };
    APPS.iter().copied().find(|app| {
        let name_matches = app.id.eq_ignore_ascii_case(key) || app.slug == key || app.key == key;
        name_matches && version.is_none_or(|v| v == "latest" || v == app.version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_slugs_keys_and_versions() {
        assert_eq!(resolve_app("slack").unwrap().key, "SlackCLIAPI");
        assert_eq!(resolve_app("SlackCLIAPI@1.0.0").unwrap().slug, "slack");
        assert!(resolve_app("SlackCLIAPI@9.9.9").is_none());
    }
}
