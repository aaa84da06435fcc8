//! `POST /api/v1/scheduler`: the v1 scheduler HTTP API (Mesos's `Master::Http::scheduler`).
//!
//! Status codes as Mesos: 503 before the registry is recovered; 405 for anything but POST;
//! 400 without a Content-Type, 415 for one that is neither JSON nor protobuf; 400 for a body
//! that does not decode or a call that does not validate; for SUBSCRIBE, 406 when the client
//! accepts neither JSON nor protobuf and 400 when it carries a `Mesos-Stream-Id`, else `200`
//! with the event stream; for other calls 400 for an unknown framework, 403 for one that is
//! not subscribed, 400 for a missing or wrong `Mesos-Stream-Id`, else 202 (UPDATE_FRAMEWORK:
//! 200, or 400 with the reason).

use common::api::{STREAM_ID_HEADER, decode_call, response_content_type};
use libprocess::{Context, Response, http::Request};
use proto::{
    convert::devolve,
    v0::scheduler::{Call, call::Type as CallType},
    v1,
};

use crate::{master::Master, validation::framework::validate_call};

pub(crate) fn scheduler(
    master: &mut Master,
    ctx: &mut Context<Master>,
    request: Request,
) -> Response {
    let response = handle(master, ctx, request);
    master.schedule_metrics_refresh(ctx);
    response
}

fn handle(master: &mut Master, ctx: &mut Context<Master>, request: Request) -> Response {
    if !master.is_recovered() {
        return Response::text(503, "Master has not finished recovery");
    }
    let (v1_call, content_type) = match decode_call::<v1::scheduler::Call>(&request) {
        Ok(decoded) => decoded,
        Err(response) => return response,
    };
    let call: Call = devolve(&v1_call);
    if let Err(error) = validate_call(&call) {
        return Response::bad_request(format!("Failed to validate scheduler::Call: {error}"));
    }
    let kind = CallType::try_from(call.r#type.unwrap_or_default()).unwrap_or(CallType::Unknown);
    if kind == CallType::Subscribe {
        let accept = match response_content_type(&request) {
            Ok(accept) => accept,
            Err(response) => return response,
        };
        if request.headers.contains(STREAM_ID_HEADER) {
            return Response::bad_request(
                "Subscribe calls should not include the 'Mesos-Stream-Id' header",
            );
        }
        let Some(subscribe) = call.subscribe else {
            return Response::bad_request("Expecting 'subscribe' to be present");
        };
        let _ = content_type;
        return master.subscribe(ctx, subscribe, accept);
    }

    let framework_id = call
        .framework_id
        .as_ref()
        .map(|id| id.value.clone())
        .unwrap_or_default();
    let Some(framework) = master.books().frameworks.get(&framework_id) else {
        return Response::bad_request("Framework cannot be found");
    };
    let Some(connection) = &framework.connection else {
        return Response::text(403, "Framework is not subscribed");
    };
    let Some(current_stream_id) = connection.stream_id() else {
        return Response::text(403, "Framework is not connected via HTTP");
    };
    let Some(stream_id) = request.headers.get(STREAM_ID_HEADER) else {
        return Response::bad_request(
            "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
        );
    };
    if stream_id != current_stream_id {
        return Response::bad_request(format!(
            "The stream ID '{stream_id}' included in this request didn't match the stream ID \
             currently associated with framework ID {framework_id}"
        ));
    }

    match kind {
        CallType::Teardown => {
            master.count("messages_unregister_framework");
            master.remove_framework(ctx, &framework_id);
        }
        CallType::Accept => {
            if let Some(accept) = call.accept {
                master.accept(ctx, &framework_id, accept);
            }
        }
        CallType::Decline => {
            if let Some(decline) = call.decline {
                master.decline(ctx, &framework_id, decline);
            }
        }
        CallType::Revive => master.revive(&framework_id, call.revive.unwrap_or_default()),
        CallType::Suppress => master.suppress(&framework_id, call.suppress.unwrap_or_default()),
        CallType::Kill => {
            if let Some(kill) = call.kill {
                master.kill(ctx, &framework_id, kill);
            }
        }
        CallType::Shutdown => {
            if let Some(shutdown) = call.shutdown {
                master.shutdown_executor(ctx, &framework_id, shutdown);
            }
        }
        CallType::Acknowledge => {
            if let Some(acknowledge) = call.acknowledge {
                master.acknowledge(ctx, &framework_id, acknowledge);
            }
        }
        CallType::Reconcile => {
            if let Some(reconcile) = call.reconcile {
                master.reconcile(ctx, &framework_id, reconcile);
            }
        }
        CallType::Message => {
            if let Some(message) = call.message {
                master.framework_message(ctx, &framework_id, message);
            }
        }
        CallType::Request => {
            if let Some(request) = call.request {
                master.request(&framework_id, request);
            }
        }
        CallType::UpdateFramework => {
            let Some(update) = call.update_framework else {
                return Response::bad_request("Expecting 'update_framework' to be present");
            };
            return match master.update_framework(ctx, update) {
                Ok(()) => Response::new(200),
                Err(error) => Response::bad_request(error),
            };
        }
        // Inverse offers and operation feedback: nothing outstanding to accept, decline,
        // acknowledge or reconcile, since maintenance and operations are not supported yet.
        CallType::AcceptInverseOffers
        | CallType::DeclineInverseOffers
        | CallType::AcknowledgeOperationStatus
        | CallType::ReconcileOperations => {}
        CallType::Subscribe | CallType::Unknown => {
            return Response::text(501, "Received an 'UNKNOWN' call");
        }
    }
    Response::accepted()
}
