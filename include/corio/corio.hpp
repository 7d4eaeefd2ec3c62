// include/corio/corio.hpp — the runtime in one include.
#pragma once

#include <corio/errors.hpp>
#include <corio/gather.hpp>
#include <corio/loop.hpp>
#include <corio/outcome.hpp>
#include <corio/queue.hpp>
#include <corio/run.hpp>
#include <corio/shield.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/barrier.hpp>
#include <corio/sync/condition.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/sync/semaphore.hpp>
#include <corio/task.hpp>
#include <corio/task_group.hpp>
#include <corio/thread.hpp>
#include <corio/thread_pool.hpp>
#include <corio/timeout.hpp>
#include <corio/wait.hpp>
