//! Framework messages both ways: MESSAGE from the scheduler reaches the executor, and an
//! executor's message reaches the scheduler as a MESSAGE event.

use proto::v1::scheduler::event;
use testkit::{Cluster, fixtures};

#[test]
fn messages_go_from_scheduler_to_executor_and_back() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("chatty"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "listener")]);
    scheduler.updates();
    let agent_id = cluster.agent_id(0);
    assert_eq!(
        scheduler
            .message(&agent_id, "listener", b"hello executor")
            .status,
        202
    );
    assert_eq!(
        cluster.script.messages(),
        [("listener".to_owned(), b"hello executor".to_vec())]
    );

    let executor = cluster
        .script
        .executor("listener")
        .expect("a live executor");
    executor.message(&b"hello framework"[..]);
    cluster.settle();
    let messages = scheduler.events_of(event::Type::Message);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = messages[0].message.as_ref().unwrap();
    assert_eq!(message.data, b"hello framework");
    assert_eq!(message.agent_id.value, agent_id);
    assert_eq!(message.executor_id.value, "listener");
}
