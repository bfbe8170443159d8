//! The operator's reconcilers: from a resource and its step Jobs to the next Job and the
//! status written back. `progress` is the decision core, free of any cluster access.

pub mod progress;
