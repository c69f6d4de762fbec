//! The typed results: a [`Plan`] (what applying would do) and an [`Outcome`] (what it did).

use crate::{Error, Inbox};

use super::compare::Difference;

/// What [`plan`](super::plan) found: one entry per declared inbox, in declaration order.
///
/// ```no_run
/// # async fn demo(client: zapier_embed::Client, declarations: zapier_embed::apply::Declarations) {
/// use zapier_embed::apply::EntryKind;
///
/// let plan = zapier_embed::apply::plan(&client, &declarations).await.unwrap();
/// println!("{} to create", plan.count(EntryKind::WouldCreate));
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Plan {
    /// One entry per declared inbox.
    pub entries: Vec<PlanEntry>,
}

/// What applying would do to one declared inbox.
///
/// ```no_run
/// # fn demo(plan: zapier_embed::apply::Plan) {
/// for entry in &plan.entries {
///     let id = entry.inbox.as_ref().map(|i| i.id.to_string());
///     println!("{} ({id:?}): {:?}", entry.name, entry.action.kind());
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct PlanEntry {
    /// The declared name.
    pub name: String,
    /// The inbox that exists under that name, if one does.
    pub inbox: Option<Inbox>,
    /// What applying would do.
    pub action: Planned,
}

/// What applying would do to one inbox.
///
/// ```
/// use zapier_embed::apply::{EntryKind, Planned};
///
/// assert_eq!(Planned::Create.kind(), EntryKind::WouldCreate);
/// assert!(!Planned::Unchanged.kind().is_problem());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Planned {
    /// No inbox has the name: applying creates it.
    Create,
    /// The inbox exists with the declared subscription: applying leaves it alone.
    Unchanged,
    /// The inbox exists with another subscription: applying reports a conflict (a subscription
    /// cannot be changed in place; delete the inbox or rename the declaration).
    Conflict {
        /// What differs.
        differences: Vec<Difference>,
    },
    /// The declaration does not validate against the trigger's input fields.
    Invalid(Error),
    /// Planning failed (the API answered with an error or could not be reached).
    Failed(Error),
}

impl Planned {
    pub(super) fn from_error(error: Error) -> Self {
        match error {
            Error::Validation { .. } => Planned::Invalid(error),
            _ => Planned::Failed(error),
        }
    }

    /// The kind of this entry, for counting and reporting.
    ///
    /// ```
    /// use zapier_embed::apply::{EntryKind, Planned};
    ///
    /// let conflict = Planned::Conflict { differences: vec![] };
    /// assert_eq!(conflict.kind(), EntryKind::Conflict);
    /// ```
    pub fn kind(&self) -> EntryKind {
        match self {
            Planned::Create => EntryKind::WouldCreate,
            Planned::Unchanged => EntryKind::Unchanged,
            Planned::Conflict { .. } => EntryKind::Conflict,
            Planned::Invalid(_) => EntryKind::Invalid,
            Planned::Failed(_) => EntryKind::Failed,
        }
    }
}

/// What [`apply`](super::apply) did: one entry per declared inbox, in declaration order.
///
/// ```no_run
/// # async fn demo(client: zapier_embed::Client, declarations: zapier_embed::apply::Declarations) {
/// use zapier_embed::apply::EntryKind;
///
/// let outcome = zapier_embed::apply::apply(&client, &declarations).await.unwrap();
/// println!("{} created", outcome.count(EntryKind::Created));
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// One entry per declared inbox.
    pub entries: Vec<AppliedEntry>,
}

/// What happened to one declared inbox.
///
/// ```no_run
/// # fn demo(outcome: zapier_embed::apply::Outcome) {
/// for entry in &outcome.entries {
///     println!("{}: {:?}", entry.name, entry.result.kind());
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct AppliedEntry {
    /// The declared name.
    pub name: String,
    /// What happened.
    pub result: Applied,
}

/// What happened to one inbox.
///
/// ```no_run
/// # fn demo(entry: zapier_embed::apply::AppliedEntry) {
/// use zapier_embed::apply::Applied;
///
/// match &entry.result {
///     Applied::Created(inbox) | Applied::Unchanged(inbox) => println!("{}", inbox.id),
///     other => eprintln!("{}: {:?}", entry.name, other.error()),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Applied {
    /// The inbox was created.
    Created(Inbox),
    /// The inbox existed with the declared subscription.
    Unchanged(Inbox),
    /// The inbox exists with another subscription ([`Error::Conflict`]).
    Conflict(Error),
    /// The declaration does not validate against the trigger's input fields.
    Invalid(Error),
    /// Applying failed (the API answered with an error or could not be reached).
    Failed(Error),
}

impl Applied {
    pub(super) fn from_error(error: Error) -> Self {
        match error {
            Error::Conflict { .. } => Applied::Conflict(error),
            Error::Validation { .. } => Applied::Invalid(error),
            _ => Applied::Failed(error),
        }
    }

    /// The kind of this entry, for counting and reporting.
    ///
    /// ```no_run
    /// # fn demo(applied: zapier_embed::apply::Applied) {
    /// println!("{:?}", applied.kind());
    /// # }
    /// ```
    pub fn kind(&self) -> EntryKind {
        match self {
            Applied::Created(_) => EntryKind::Created,
            Applied::Unchanged(_) => EntryKind::Unchanged,
            Applied::Conflict(_) => EntryKind::Conflict,
            Applied::Invalid(_) => EntryKind::Invalid,
            Applied::Failed(_) => EntryKind::Failed,
        }
    }

    /// The inbox, when it was created or found.
    ///
    /// ```no_run
    /// # fn demo(applied: zapier_embed::apply::Applied) {
    /// if let Some(inbox) = applied.inbox() {
    ///     println!("{}", inbox.status);
    /// }
    /// # }
    /// ```
    pub fn inbox(&self) -> Option<&Inbox> {
        match self {
            Applied::Created(inbox) | Applied::Unchanged(inbox) => Some(inbox),
            _ => None,
        }
    }

    /// The error, when the inbox was not applied.
    ///
    /// ```no_run
    /// # fn demo(applied: zapier_embed::apply::Applied) {
    /// if let Some(error) = applied.error() {
    ///     eprintln!("{error}");
    /// }
    /// # }
    /// ```
    pub fn error(&self) -> Option<&Error> {
        match self {
            Applied::Conflict(error) | Applied::Invalid(error) | Applied::Failed(error) => {
                Some(error)
            }
            _ => None,
        }
    }
}

/// The kind of a [`Plan`] or [`Outcome`] entry.
///
/// ```
/// use zapier_embed::apply::EntryKind;
///
/// assert!(EntryKind::Conflict.is_problem());
/// assert!(!EntryKind::Created.is_problem());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntryKind {
    /// Planned: the inbox would be created.
    WouldCreate,
    /// Applied: the inbox was created.
    Created,
    /// The inbox exists with the declared subscription.
    Unchanged,
    /// The inbox exists with another subscription.
    Conflict,
    /// The declaration does not validate.
    Invalid,
    /// The API failed.
    Failed,
}

impl EntryKind {
    /// Whether this entry keeps the declarations from being in place (conflict, invalid,
    /// failed).
    ///
    /// ```
    /// assert!(zapier_embed::apply::EntryKind::Failed.is_problem());
    /// ```
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            EntryKind::Conflict | EntryKind::Invalid | EntryKind::Failed
        )
    }
}

impl Plan {
    /// How many entries are of `kind`.
    ///
    /// ```no_run
    /// # fn demo(plan: zapier_embed::apply::Plan) {
    /// let unchanged = plan.count(zapier_embed::apply::EntryKind::Unchanged);
    /// # }
    /// ```
    pub fn count(&self, kind: EntryKind) -> usize {
        self.entries
            .iter()
            .filter(|e| e.action.kind() == kind)
            .count()
    }

    /// Whether any entry is a conflict, invalid or failed.
    ///
    /// ```no_run
    /// # fn demo(plan: zapier_embed::apply::Plan) {
    /// if plan.has_problems() { std::process::exit(1) }
    /// # }
    /// ```
    pub fn has_problems(&self) -> bool {
        self.entries.iter().any(|e| e.action.kind().is_problem())
    }
}

impl Outcome {
    /// How many entries are of `kind`.
    ///
    /// ```no_run
    /// # fn demo(outcome: zapier_embed::apply::Outcome) {
    /// let created = outcome.count(zapier_embed::apply::EntryKind::Created);
    /// # }
    /// ```
    pub fn count(&self, kind: EntryKind) -> usize {
        self.entries
            .iter()
            .filter(|e| e.result.kind() == kind)
            .count()
    }

    /// Whether any entry is a conflict, invalid or failed.
    ///
    /// ```no_run
    /// # fn demo(outcome: zapier_embed::apply::Outcome) {
    /// if outcome.has_problems() { std::process::exit(1) }
    /// # }
    /// ```
    pub fn has_problems(&self) -> bool {
        self.entries.iter().any(|e| e.result.kind().is_problem())
    }
}
