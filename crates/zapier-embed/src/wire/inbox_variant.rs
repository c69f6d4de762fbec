//! What both Trigger Inbox variants do alike, written once and stamped per generated module.
//!
//! The two generated clients (`zapier_embed_api::by_id`, `zapier_embed_api::by_name`) have the
//! same shape: the same operations, the same query parameters and answer types, under other
//! builder names and with the inbox addressed by id or by name. Their types are distinct, so a
//! generic function cannot name their builders; these macros take the names that differ and
//! write each request, and each [`InboxApi`](super::InboxApi) method that only resolves the
//! inbox and sends it, once.

/// The requests both variants make alike, stamped into the variant's module:
/// `list_inboxes`, `get_inbox`, `transition_inbox`, `list_messages`, `lease_messages` and
/// `settle_messages`.
///
/// `key` is how the variant's paths address an inbox (`$key`, a parameter of each request,
/// and `$arg`, the builder argument made of it); `inbox` and `messages` name the builder
/// setter of the inbox paths and of the message paths; the rest name the builders.
macro_rules! inbox_requests {
    (
        generated: $gen:ident,
        key: $k:ident: $key:ty => $arg:expr,
        setters: $inbox:ident, $messages:ident,
        list: $list:ident,
        get: $get:ident,
        transitions: $pause:ident, $resume:ident, $delete:ident,
        list_messages: $list_messages:ident,
        lease: $lease:ident,
        ack: $ack:ident($ack_body:ident),
        release: $release:ident($release_body:ident) $(,)?
    ) => {
        pub(crate) async fn list_inboxes(
            api: Api,
            op: &Operation,
            query: InboxQuery,
        ) -> Result<Page<Inbox>, Failure> {
            let InboxQuery {
                limit,
                offset: start,
                name,
                status: state,
            } = query;
            let (status, page) = api
                .fetch(op, |c: $gen::Client| async move {
                    let mut request = c.$list();
                    if let Some(limit) = limit {
                        request = request.limit(i64::from(limit));
                    }
                    if let Some(start) = start {
                        request = request.offset(offset(start));
                    }
                    if let Some(name) = name {
                        request = request.name(name);
                    }
                    if let Some(state) = state {
                        request = request.status(state);
                    }
                    request.send().await
                })
                .await?;
            page_of(op, "inbox list", status, &page.results, page.next)
        }

        pub(crate) async fn get_inbox(
            api: Api,
            op: &Operation,
            $k: $key,
        ) -> Result<Inbox, Failure> {
            api.fetch_as(op, "inbox", |c: $gen::Client| async move {
                c.$get().$inbox($arg).send().await
            })
            .await
        }

        pub(crate) async fn transition_inbox(
            api: Api,
            op: &Operation,
            $k: $key,
            transition: Transition,
        ) -> Result<Inbox, Failure> {
            api.fetch_as(op, "inbox", |c: $gen::Client| async move {
                match transition {
                    Transition::Pause => c.$pause().$inbox($arg).send().await,
                    Transition::Resume => c.$resume().$inbox($arg).send().await,
                    Transition::Delete => c.$delete().$inbox($arg).send().await,
                }
            })
            .await
        }

        pub(crate) async fn list_messages(
            api: Api,
            op: &Operation,
            $k: $key,
            cursor: Option<String>,
        ) -> Result<Page<Message>, Failure> {
            let (status, page) = api
                .fetch(op, |c: $gen::Client| async move {
                    let request = c.$list_messages().$messages($arg);
                    match cursor {
                        Some(cursor) => request.cursor(cursor).send().await,
                        None => request.send().await,
                    }
                })
                .await?;
            page_of(op, "message list", status, &page.results, page.next)
        }

        /// Leases with the domain body `body`, converted into the variant's generated one.
        pub(crate) async fn lease_messages<B: Serialize>(
            api: Api,
            op: &Operation,
            $k: $key,
            body: B,
        ) -> Result<LeaseResponseBody, Failure> {
            let body: $gen::types::LeaseRequest = to_body(op, "lease request", &body)?;
            let answer = api
                .send(op, |c: $gen::Client| async move {
                    c.$lease().$messages($arg).body(body).send().await
                })
                .await?;
            super::lease_decode::lease_body::<$gen::Client>(op, answer).await
        }

        settle_request!(ack_messages, "ack request", $gen, $k: $key => $arg, $messages, $ack($ack_body));
        settle_request!(release_messages, "release request", $gen, $k: $key => $arg, $messages, $release($release_body));

        /// Acks or releases with `body` (the variant's JSON body).
        pub(crate) async fn settle_messages<B: Serialize>(
            api: Api,
            op: &Operation,
            settle: Settle,
            $k: $key,
            body: B,
        ) -> Result<Settled, Failure> {
            match settle {
                Settle::Ack => ack_messages(api, op, $k, &body).await,
                Settle::Release => release_messages(api, op, $k, &body).await,
            }
        }
    };
}

/// One ack or release request of [`inbox_requests`]: `body` converted into the generated
/// body `$body`, sent with the builder `$builder`.
macro_rules! settle_request {
    ($name:ident, $what:literal, $gen:ident, $k:ident: $key:ty => $arg:expr, $setter:ident, $builder:ident($body:ident)) => {
        async fn $name<B: Serialize>(
            api: Api,
            op: &Operation,
            $k: $key,
            body: &B,
        ) -> Result<Settled, Failure> {
            let body: $gen::types::$body = to_body(op, $what, body)?;
            let answer = api
                .send(op, |c: $gen::Client| async move {
                    c.$builder().$setter($arg).body(body).send().await
                })
                .await?;
            super::settle_decode::settled(op, answer).await
        }
    };
}

/// The [`InboxApi`](super::InboxApi) methods both variants implement alike (resolve the
/// reference into the variant's key, send the variant's request), stamped into its `impl`.
///
/// `resolve` names the [`Client`](crate::Client) method that turns an `InboxRef` into the key
/// `$k`; the operations name rows of [`ops`](super::ops); `lease_body` builds the variant's
/// lease body from the options `$o`, and `lease_target` the reference its lease answers for.
macro_rules! inbox_api_methods {
    (
        resolve: $resolve:ident => $k:ident,
        get: $get_op:ident,
        list: $list_op:ident,
        transition: $transition_op:ident,
        lease: $lease_op:ident,
        list_messages: $messages_op:ident,
        lease_body: |$o:ident| $lease_body:expr,
        lease_target: $target:expr $(,)?
    ) => {
        fn get<'a>(&'a self, client: &'a Client, inbox: &'a InboxRef) -> Reply<'a, Inbox> {
            on_inbox(
                client,
                inbox,
                &ops::$get_op,
                client.$resolve(inbox),
                get_inbox,
            )
        }

        fn list<'a>(&'a self, client: &'a Client, query: InboxQuery) -> Reply<'a, Page<Inbox>> {
            send_for(client, &ops::$list_op, None, move |api, op| {
                list_inboxes(api, op, query.clone())
            })
        }

        fn transition<'a>(
            &'a self,
            client: &'a Client,
            inbox: &'a InboxRef,
            transition: Transition,
        ) -> Reply<'a, Inbox> {
            let op = ops::$transition_op(transition);
            on_inbox(
                client,
                inbox,
                op,
                client.$resolve(inbox),
                move |api, op, key| transition_inbox(api, op, key, transition),
            )
        }

        // The key is a `Uuid` (`Copy`) in variant A, an `InboxName` in variant B: one body
        // clones it for both.
        #[allow(clippy::clone_on_copy)]
        fn lease<'a>(
            &'a self,
            client: &'a Client,
            inbox: &'a InboxRef,
            $o: LeaseOptions,
        ) -> Reply<'a, Lease> {
            Box::pin(async move {
                let $k = client.$resolve(inbox).await?;
                // Taken before sending, so a computed expiry is never later than the server's.
                let requested_at = Utc::now();
                let body = $lease_body;
                let target: InboxRef = $target;
                let op = &ops::$lease_op;
                let answer = client
                    .inner
                    .call(op, Some(&inbox.to_string()), move |api| {
                        lease_messages(api, op, $k.clone(), body)
                    })
                    .await?;
                Lease::from_response(&target, answer, requested_at, $o.lease_seconds)
            })
        }

        fn list_messages<'a>(
            &'a self,
            client: &'a Client,
            inbox: &'a InboxRef,
            cursor: Option<String>,
        ) -> Reply<'a, Page<Message>> {
            on_inbox(
                client,
                inbox,
                &ops::$messages_op,
                client.$resolve(inbox),
                move |api, op, key| list_messages(api, op, key, cursor.clone()),
            )
        }
    };
}
