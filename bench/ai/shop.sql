-- bench/ai: the schema the prompt set runs over (not the demo): a bookshop. Deterministic data.
create schema shop;

create table shop.authors (
  id      integer primary key,
  name    text not null,
  country text not null
);

create table shop.categories (
  id        integer primary key,
  name      text not null unique,
  parent_id integer references shop.categories (id)
);

create table shop.books (
  id           integer primary key,
  title        text not null,
  author_id    integer not null references shop.authors (id),
  category_id  integer not null references shop.categories (id),
  price        numeric(8, 2) not null check (price >= 0),
  published_on date not null,
  stock        integer not null default 0,
  isbn         text not null unique
);
create index books_author on shop.books (author_id);

create table shop.customers (
  id         integer primary key,
  email      text not null unique,
  full_name  text not null,
  city       text not null,
  country    text not null,
  created_at timestamptz not null
);

create table shop.orders (
  id          integer primary key,
  customer_id integer not null references shop.customers (id),
  status      text not null check (status in ('pending', 'paid', 'shipped', 'cancelled')),
  total       numeric(10, 2) not null,
  placed_at   timestamptz not null
);
create index orders_customer on shop.orders (customer_id, placed_at desc);

create table shop.order_items (
  id         integer primary key,
  order_id   integer not null references shop.orders (id) on delete cascade,
  book_id    integer not null references shop.books (id),
  quantity   integer not null check (quantity > 0),
  unit_price numeric(8, 2) not null
);
create index order_items_order on shop.order_items (order_id);

create table shop.reviews (
  id          integer primary key,
  book_id     integer not null references shop.books (id),
  customer_id integer not null references shop.customers (id),
  rating      integer not null check (rating between 1 and 5),
  body        text,
  created_at  timestamptz not null
);
create index reviews_book on shop.reviews (book_id, created_at desc);

create table shop.stores (
  id   integer primary key,
  name text not null,
  city text not null
);

insert into shop.authors
select i, (array['Ada', 'Brian', 'Chloe', 'Dmitri', 'Eun', 'Farah', 'Goran', 'Hana'])[1 + i % 8] || ' ' ||
          (array['Lovelace', 'Okafor', 'Silva', 'Petrov', 'Kim', 'Haddad', 'Novak', 'Sato'])[1 + (i * 3) % 8],
       (array['UK', 'Nigeria', 'Brazil', 'Russia', 'Korea', 'Jordan', 'Croatia', 'Japan'])[1 + i % 8]
from generate_series(1, 24) i;

insert into shop.categories values
  (1, 'Fiction', null), (2, 'Science', null), (3, 'History', null),
  (4, 'Mystery', 1), (5, 'Fantasy', 1), (6, 'Physics', 2), (7, 'Biology', 2), (8, 'Ancient', 3);

insert into shop.books
select i,
       (array['The Silent', 'A Brief', 'Lost', 'The Last', 'Hidden', 'Northern'])[1 + i % 6] || ' ' ||
         (array['River', 'Theory', 'Empire', 'Garden', 'Signal', 'Harbor', 'Atlas'])[1 + (i * 5) % 7] || ' ' || i,
       1 + i % 24,
       1 + i % 8,
       (5 + (i * 7) % 40)::numeric + 0.99,
       date '2000-01-01' + (i * 97) % 9000,
       (i * 13) % 60,
       '978-' || lpad(i::text, 9, '0')
from generate_series(1, 120) i;

insert into shop.customers
select i,
       'customer' || i || '@example.com',
       (array['Ana', 'Ben', 'Cai', 'Dana', 'Eli', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jo'])[1 + i % 10] || ' Reader ' || i,
       (array['Lisbon', 'Lagos', 'Seoul', 'Osaka', 'Zagreb', 'Amman', 'Leeds', 'Recife'])[1 + i % 8],
       (array['Portugal', 'Nigeria', 'Korea', 'Japan', 'Croatia', 'Jordan', 'UK', 'Brazil'])[1 + i % 8],
       timestamptz '2024-01-01 00:00:00+00' + make_interval(days => i * 3)
from generate_series(1, 80) i;

insert into shop.orders
select i,
       1 + (i * 7) % 80,
       (array['pending', 'paid', 'shipped', 'shipped', 'cancelled'])[1 + i % 5],
       0,
       timestamptz '2025-01-01 00:00:00+00' + make_interval(hours => i * 11)
from generate_series(1, 300) i;

insert into shop.order_items
select i,
       1 + (i - 1) / 2,
       1 + (i * 11) % 120,
       1 + i % 3,
       (5 + ((1 + (i * 11) % 120) * 7) % 40)::numeric + 0.99
from generate_series(1, 600) i;

update shop.orders o set total = (select sum(quantity * unit_price) from shop.order_items where order_id = o.id);

insert into shop.reviews
select i,
       1 + (i * 17) % 120,
       1 + (i * 5) % 80,
       1 + (i * 3) % 5,
       case when i % 4 = 0 then null else (array['Loved it', 'Too long', 'A classic', 'Not for me', 'Gripping'])[1 + i % 5] end,
       timestamptz '2025-03-01 00:00:00+00' + make_interval(hours => i * 5)
from generate_series(1, 400) i;

insert into shop.stores values (1, 'Harbor Books', 'Lisbon'), (2, 'Signal Shop', 'Seoul'), (3, 'Atlas Corner', 'Leeds');

analyze;
