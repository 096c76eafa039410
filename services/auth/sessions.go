package auth

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultSessionCacheTTL is how long Authenticate trusts a session it
// looked up, without asking the store again.
const DefaultSessionCacheTTL = 5 * time.Second

// MaxSessionCacheTTL bounds the configured TTL: it is how long a logout,
// a disabled account or a new role may take to reach another process.
const MaxSessionCacheTTL = time.Minute

// sessionCache keeps the accounts of sessions Authenticate looked up in
// the store, by token hash, each until the earlier of the cache's TTL
// and the session's expiry; at most maxKeys, the least recently used
// evicted first (an evicted session is looked up again, nothing more).
//
// What the process itself changes takes effect at once: Logout removes
// its session, Disable and DecideFamily empty the cache. A change made
// by another process (another replica, the command-line tool) takes
// effect here within the TTL, when the entry expires.
//
// A lookup that overlaps an invalidation is not cached: lookups carry
// the generation they began in, and every invalidation starts a new
// one. Otherwise a lookup that read the session just before a logout
// could put it back just after.
type sessionCache struct {
	ttl time.Duration
	mu  sync.Mutex
	gen uint64
	lru *simplelru.LRU[string, cachedSession]
}

type cachedSession struct {
	user  User
	until time.Time
}

// newSessionCache returns a cache of TTL ttl keeping at most max
// sessions; nil (no cache) when ttl is not positive.
func newSessionCache(ttl time.Duration, max int) *sessionCache {
	if ttl <= 0 {
		return nil
	}
	lru, err := simplelru.NewLRU[string, cachedSession](max, nil)
	if err != nil {
		panic(err)
	}
	return &sessionCache{ttl: ttl, lru: lru}
}

// get returns the cached account of hash at now, if any, and the
// generation to put a looked-up one with.
func (c *sessionCache) get(hash string, now time.Time) (User, uint64, bool) {
	if c == nil {
		return User{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(hash)
	if ok && now.Before(e.until) {
		return e.user, c.gen, true
	}
	if ok {
		c.lru.Remove(hash)
	}
	return User{}, c.gen, false
}

// put caches u for hash from now until the TTL or expires, whichever is
// first, unless an invalidation happened since generation gen.
func (c *sessionCache) put(hash string, u User, now, expires time.Time, gen uint64) {
	if c == nil {
		return
	}
	until := now.Add(c.ttl)
	if expires.Before(until) {
		until = expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.lru.Add(hash, cachedSession{user: u, until: until})
	}
}

// remove forgets hash's session.
func (c *sessionCache) remove(hash string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Remove(hash)
}

// purge forgets every session.
func (c *sessionCache) purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Purge()
}

// size is the number of sessions kept (for tests).
func (c *sessionCache) size() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
